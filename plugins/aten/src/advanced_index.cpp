// aten::index(self, Tensor?[] indices): PyTorch's advanced indexing, x[idx], x[:, idx],
// x[i, j], x[mask]. Each None entry keeps a dimension; each integer tensor indexes one; a
// boolean mask (constant: its true positions are known now) indexes as many as it has. The
// index tensors broadcast together to a shape B, which replaces the indexed dimensions where
// they are adjacent, and goes first otherwise.
//   one index:                     GATHER along its dimension
//   constant and adjacent indices: RESHAPE the indexed dims into one, GATHER flat positions
//   otherwise:                     TRANSPOSE indexed dims to the front, GATHER_ND coordinates
// Negative indices count from the end: constants are wrapped here, run-time indices by FLOOR_MOD.
#include "common.hpp"

#include <optional>

namespace aten {

namespace {

// One advanced index: a tensor indexing dimension `dim` of self.
struct Advanced {
  int64_t dim = 0;
  std::vector<int64_t> shape;
  int32_t tensor = -1;          // run-time indices; -1 when constant
  std::vector<int64_t> values;  // constant indices, wrapped into [0, size)
};

int64_t product(const std::vector<int64_t>& shape) {
  int64_t p = 1;
  for (int64_t s : shape) p *= s;
  return p;
}

// Steps `pos` to the next row-major position within `shape`.
void next_position(std::vector<int64_t>& pos, const std::vector<int64_t>& shape) {
  for (size_t d = shape.size(); d-- > 0;) {
    if (++pos[d] < shape[d]) return;
    pos[d] = 0;
  }
}

// Item k of the index list as a TFLite tensor, or nothing for None.
// Works around the host not reporting which items of a Tensor?[] are None (its records keep
// no items for lists of optional tensors, so list_size and info(1, k) fail): the item is
// asked for, and a refusal means None, which is also what PyTorch assumes past the list's
// end. The host's error from the refused call is cleared. The caller checks the result
// shape against LibTorch's, so a misread list cannot go unnoticed.
std::optional<int32_t> list_item(const litecast::Node& n, int k) {
  try {
    return n.input(1, k);
  } catch (const litecast::HostFailed&) {
    n.host()->set_error(n.ctx(), "");
    return std::nullopt;
  }
}

// A constant boolean mask over dims [dim, dim + rank) as one index per dim (its true positions).
void add_mask(const litecast::Node& n, int k, const litecast::TensorInfo& mask, const litecast::TensorInfo& in,
              int64_t dim, std::vector<Advanced>& out) {
  if (dim + mask.rank() > in.rank()) n.decline("index: the mask has more dimensions than remain");
  for (int d = 0; d < mask.rank(); ++d)
    if (mask.shape[static_cast<size_t>(d)] != in.shape[static_cast<size_t>(dim + d)])
      n.decline("index: the mask's shape does not match the indexed dimensions");
  std::vector<uint8_t> bits = n.data<uint8_t>(1, LC_UINT8, k);
  std::vector<Advanced> per_dim(static_cast<size_t>(mask.rank()));
  std::vector<int64_t> pos(static_cast<size_t>(mask.rank()), 0);
  for (uint8_t b : bits) {
    if (b)
      for (size_t d = 0; d < pos.size(); ++d) per_dim[d].values.push_back(pos[d]);
    next_position(pos, mask.shape);
  }
  for (size_t d = 0; d < per_dim.size(); ++d) {
    per_dim[d].dim = dim + static_cast<int64_t>(d);
    per_dim[d].shape = {static_cast<int64_t>(per_dim[d].values.size())};
    out.push_back(per_dim[d]);
  }
}

// The advanced indices of the list, in dimension order.
std::vector<Advanced> collect(const litecast::Node& n, const litecast::TensorInfo& in) {
  std::vector<Advanced> out;
  int64_t dim = 0;
  for (int k = 0; dim < in.rank(); ++k) {
    std::optional<int32_t> t = list_item(n, k);
    if (!t) {
      ++dim;
      continue;
    }
    litecast::TensorInfo info = n.tensor_info(*t);
    if (info.dtype == LC_BOOL || info.dtype == LC_UINT8) {
      if (!info.is_constant) n.decline("index: a mask computed at run time gives a data-dependent shape");
      add_mask(n, k, info, in, dim, out);
      dim += info.rank();
      continue;
    }
    if (info.dtype != LC_INT32) n.decline("index: indices must be integers or boolean masks");
    Advanced a;
    a.dim = dim;
    a.shape = info.shape;
    const int64_t size = in.shape[static_cast<size_t>(dim)];
    if (!info.is_constant) a.tensor = *t;
    else
      for (int64_t v : n.data<int64_t>(1, LC_INT64, k)) {
        if (v < -size || v >= size) n.decline("index: index out of range");
        a.values.push_back(v < 0 ? v + size : v);
      }
    out.push_back(a);
    ++dim;
  }
  return out;
}

std::vector<int64_t> broadcast_shape(const litecast::Node& n, const std::vector<Advanced>& adv) {
  size_t rank = 0;
  for (const Advanced& a : adv) rank = std::max(rank, a.shape.size());
  std::vector<int64_t> out(rank, 1);
  for (const Advanced& a : adv)
    for (size_t d = 0; d < a.shape.size(); ++d) {
      int64_t& o = out[rank - a.shape.size() + d];
      int64_t s = a.shape[d];
      if (o == 1) o = s;
      else if (s != 1 && s != o) n.decline("index: index shapes do not broadcast");
    }
  return out;
}

// Constant indices broadcast to `to`.
std::vector<int64_t> broadcast_values(const Advanced& a, const std::vector<int64_t>& to) {
  const size_t lead = to.size() - a.shape.size();
  std::vector<int64_t> out, pos(to.size(), 0);
  for (int64_t e = product(to); e > 0; --e) {
    int64_t src = 0;
    for (size_t d = 0; d < a.shape.size(); ++d) src = src * a.shape[d] + (a.shape[d] == 1 ? 0 : pos[lead + d]);
    out.push_back(a.values[static_cast<size_t>(src)]);
    next_position(pos, to);
  }
  return out;
}

// The indices of `a` as an INT32 tensor of shape `to`. Run-time indices go through FLOOR_MOD
// by a constant of shape `to`, which wraps negative ones and broadcasts in one operator.
int32_t index_tensor(const litecast::Node& n, const Advanced& a, int64_t size, const std::vector<int64_t>& to) {
  if (a.tensor < 0) {
    std::vector<int64_t> v = broadcast_values(a, to);
    return n.const_i32(to, std::vector<int32_t>(v.begin(), v.end()));
  }
  std::vector<int32_t> sizes(static_cast<size_t>(product(to)), static_cast<int32_t>(size));
  int32_t wrapped = n.add_tensor(LC_INT32, to);
  n.op(LC_OP_FLOOR_MOD, {a.tensor, n.const_i32(to, sizes)}, {wrapped});
  return wrapped;
}

int32_t gather(const litecast::Node& n, int32_t x, int32_t indices, int64_t axis) {
  litecast::TensorInfo p = n.tensor_info(x), i = n.tensor_info(indices);
  auto a = static_cast<std::ptrdiff_t>(axis);
  std::vector<int64_t> shape(p.shape.begin(), p.shape.begin() + a);
  shape.insert(shape.end(), i.shape.begin(), i.shape.end());
  shape.insert(shape.end(), p.shape.begin() + a + 1, p.shape.end());
  int32_t y = n.add_tensor(p.dtype, shape);
  n.op(LC_OP_GATHER, {x, indices}, {y}).set("axis", axis).set("batch_dims", int64_t{0});
  return y;
}

// Constant indices over adjacent dims: those dims become one, indexed by flat positions.
int32_t gather_flat(const litecast::Node& n, const litecast::TensorInfo& in, const std::vector<Advanced>& adv,
                    const std::vector<int64_t>& b) {
  const auto first = static_cast<size_t>(adv.front().dim), last = static_cast<size_t>(adv.back().dim);
  std::vector<int64_t> flat(static_cast<size_t>(product(b)), 0);
  for (const Advanced& a : adv) {
    std::vector<int64_t> v = broadcast_values(a, b);
    for (size_t e = 0; e < flat.size(); ++e) flat[e] = flat[e] * in.shape[static_cast<size_t>(a.dim)] + v[e];
  }
  std::vector<int64_t> merged(in.shape.begin(), in.shape.begin() + static_cast<std::ptrdiff_t>(first));
  merged.push_back(product(std::vector<int64_t>(in.shape.begin() + static_cast<std::ptrdiff_t>(first),
                                                in.shape.begin() + static_cast<std::ptrdiff_t>(last) + 1)));
  merged.insert(merged.end(), in.shape.begin() + static_cast<std::ptrdiff_t>(last) + 1, in.shape.end());
  int32_t x = reshape(n, n.input(0), merged);
  return gather(n, x, n.const_i32(b, std::vector<int32_t>(flat.begin(), flat.end())), adv.front().dim);
}

// The general case: indexed dims to the front, GATHER_ND, B back in place when adjacent.
int32_t gather_nd(const litecast::Node& n, const litecast::TensorInfo& in, const std::vector<Advanced>& adv,
                  const std::vector<int64_t>& b, bool adjacent) {
  std::vector<int32_t> perm;
  std::vector<bool> indexed(in.shape.size(), false);
  for (const Advanced& a : adv) {
    perm.push_back(static_cast<int32_t>(a.dim));
    indexed[static_cast<size_t>(a.dim)] = true;
  }
  std::vector<int64_t> rest;
  for (size_t d = 0; d < in.shape.size(); ++d)
    if (!indexed[d]) {
      perm.push_back(static_cast<int32_t>(d));
      rest.push_back(in.shape[d]);
    }
  int32_t x = transpose(n, n.input(0), perm);
  std::vector<int64_t> piece = b;
  piece.push_back(1);
  std::vector<int32_t> pieces;
  for (const Advanced& a : adv)
    pieces.push_back(reshape(n, index_tensor(n, a, in.shape[static_cast<size_t>(a.dim)], b), piece));
  piece.back() = static_cast<int64_t>(adv.size());
  int32_t coords = n.add_tensor(LC_INT32, piece);
  n.op(LC_OP_CONCATENATION, pieces, {coords}).set("axis", static_cast<int64_t>(b.size()));
  std::vector<int64_t> shape = b;
  shape.insert(shape.end(), rest.begin(), rest.end());
  int32_t y = n.add_tensor(in.dtype, shape);
  n.op(LC_OP_GATHER_ND, {x, coords}, {y});
  const auto first = static_cast<int32_t>(adv.front().dim), nb = static_cast<int32_t>(b.size());
  if (!adjacent || first == 0) return y;
  std::vector<int32_t> back;
  for (int32_t d = 0; d < first; ++d) back.push_back(nb + d);
  for (int32_t d = 0; d < nb; ++d) back.push_back(d);
  for (int32_t d = nb + first; d < static_cast<int32_t>(shape.size()); ++d) back.push_back(d);
  return transpose(n, y, back);
}

void index(litecast::Node& n) {
  if (n.input_kind(1) != LC_VALUE_TENSOR_LIST)
    n.decline("index: a constant Tensor?[] list is not readable through the plugin ABI (host limitation)");
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  if (out.numel() == 0) n.decline("index: the result is empty");
  std::vector<Advanced> adv = collect(n, in);
  int32_t y;
  if (adv.empty()) {
    std::vector<int32_t> shape(out.shape.begin(), out.shape.end());
    y = n.add_like_output(0);
    n.op(LC_OP_RESHAPE, {n.input(0), n.const_i32(shape)}, {y});
  } else {
    std::vector<int64_t> b = broadcast_shape(n, adv);
    bool adjacent = true, constant = true;
    for (size_t k = 0; k < adv.size(); ++k) {
      adjacent = adjacent && (k == 0 || adv[k].dim == adv[k - 1].dim + 1);
      constant = constant && adv[k].tensor < 0;
    }
    if (adv.size() == 1)
      y = gather(n, n.input(0), index_tensor(n, adv[0], in.shape[static_cast<size_t>(adv[0].dim)], adv[0].shape),
                 adv[0].dim);
    else if (constant && adjacent)
      y = gather_flat(n, in, adv, b);
    else
      y = gather_nd(n, in, adv, b, adjacent);
  }
  if (n.tensor_info(y).shape != out.shape) n.decline("index: could not read the index list as LibTorch did");
  n.output(0, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::index", kPriority,
               "integer index tensors and constant boolean masks, None entries; not constant index lists yet", index);
});

}  // namespace aten
