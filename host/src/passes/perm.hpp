// Permutation arithmetic for layout passes. Convention, as TFLite's TRANSPOSE and PyTorch's
// permute: y = transpose(x, p) has y.shape[i] = x.shape[p[i]].
//
//   NCHW -> NHWC is p = {0, 2, 3, 1}: y.shape = {N, H, W, C}.
//   Compose(p, q) is the single permutation of transpose(transpose(x, p), q):
//     Compose({0,2,3,1}, {0,3,1,2}) = {0,1,2,3}   (to NHWC and back cancels).
//   Invert({0,2,3,1}) = {0,3,1,2}.
#ifndef LITECAST_HOST_PASSES_PERM_HPP
#define LITECAST_HOST_PASSES_PERM_HPP

#include <cstdint>
#include <vector>

namespace litecast::passes {

using Perm = std::vector<int32_t>;

inline Perm Compose(const Perm& p, const Perm& q) {
  Perm r(q.size());
  for (size_t i = 0; i < q.size(); ++i) r[i] = p[static_cast<size_t>(q[i])];
  return r;
}

inline Perm Invert(const Perm& p) {
  Perm r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[static_cast<size_t>(p[i])] = static_cast<int32_t>(i);
  return r;
}

inline bool IsIdentity(const Perm& p) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != static_cast<int32_t>(i)) return false;
  return true;
}

inline bool IsPermutation(const Perm& p) {
  std::vector<bool> seen(p.size(), false);
  for (int32_t v : p) {
    if (v < 0 || static_cast<size_t>(v) >= p.size() || seen[static_cast<size_t>(v)]) return false;
    seen[static_cast<size_t>(v)] = true;
  }
  return true;
}

template <class T>
std::vector<T> Apply(const std::vector<T>& shape, const Perm& p) {
  std::vector<T> r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[i] = shape[static_cast<size_t>(p[i])];
  return r;
}

}  // namespace litecast::passes

#endif
