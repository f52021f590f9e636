#include "graph/archive_check.hpp"

#include <litecast/error.hpp>

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litecast::graph {

namespace {

// What a storage declaration in a pickle says: ('storage', torch.<Type>Storage, key, location, numel).
struct StorageDecl {
  std::string type;  // e.g. "torch.FloatStorage"
  std::string key;
  int64_t numel = 0;
};

// Bytes per element of the storage types torch pickles; 0 for a type this does not know.
size_t element_bytes(const std::string& type) {
  static const std::map<std::string, size_t> sizes = {
      {"FloatStorage", 4},    {"DoubleStorage", 8},  {"HalfStorage", 2},          {"BFloat16Storage", 2},
      {"LongStorage", 8},     {"IntStorage", 4},     {"ShortStorage", 2},         {"CharStorage", 1},
      {"ByteStorage", 1},     {"BoolStorage", 1},    {"ComplexFloatStorage", 8},  {"ComplexDoubleStorage", 16},
      {"QInt8Storage", 1},    {"QUInt8Storage", 1},  {"QInt32Storage", 4},        {"QUInt4x2Storage", 1},
      {"QUInt2x4Storage", 1}, {"UntypedStorage", 1}, {"Float8_e4m3fnStorage", 1}, {"Float8_e5m2Storage", 1},
      {"UInt16Storage", 2},   {"UInt32Storage", 4},  {"UInt64Storage", 8}};
  const std::string prefix = "torch.";
  if (type.compare(0, prefix.size(), prefix) != 0) return 0;
  auto it = sizes.find(type.substr(prefix.size()));
  return it == sizes.end() ? 0 : it->second;
}

// A pickle value as far as storage declarations need: strings, integers, tuples; the rest opaque.
struct Item {
  enum Kind { kOther, kString, kInt, kTuple, kMark } kind = kOther;
  std::string text;
  int64_t number = 0;
  std::shared_ptr<std::vector<Item>> items;
};

// Walks a protocol 2-5 pickle and collects its persistent ids that declare storages. Returns
// nothing when the pickle uses what this walker does not follow: the caller then skips the check.
std::optional<std::vector<StorageDecl>> storage_decls(const uint8_t* p, size_t n) {
  std::vector<StorageDecl> out;
  std::vector<Item> stack;
  std::map<uint64_t, Item> memo;
  size_t i = 0;
  auto need = [&](size_t k) { return i + k <= n; };
  auto le = [&](size_t k) {
    uint64_t v = 0;
    for (size_t b = 0; b < k; ++b) v |= static_cast<uint64_t>(p[i + b]) << (8 * b);
    i += k;
    return v;
  };
  auto pop_to_mark = [&]() -> std::optional<std::vector<Item>> {
    for (size_t k = stack.size(); k-- > 0;)
      if (stack[k].kind == Item::kMark) {
        std::vector<Item> items(stack.begin() + static_cast<std::ptrdiff_t>(k) + 1, stack.end());
        stack.resize(k);
        return items;
      }
    return std::nullopt;
  };
  auto pop = [&](size_t k) {
    if (stack.size() < k) return false;
    stack.resize(stack.size() - k);
    return true;
  };
  auto text = [&](size_t len) {
    Item it;
    it.kind = Item::kString;
    it.text.assign(reinterpret_cast<const char*>(p + i), len);
    i += len;
    stack.push_back(std::move(it));
  };
  auto integer = [&](int64_t v) {
    Item it;
    it.kind = Item::kInt;
    it.number = v;
    stack.push_back(std::move(it));
  };
  auto tuple = [&](std::vector<Item> items) {
    Item it;
    it.kind = Item::kTuple;
    it.items = std::make_shared<std::vector<Item>>(std::move(items));
    stack.push_back(std::move(it));
  };
  auto line = [&]() -> std::optional<std::string> {
    const void* nl = std::memchr(p + i, '\n', n - i);
    if (!nl) return std::nullopt;
    const size_t len = static_cast<size_t>(static_cast<const uint8_t*>(nl) - (p + i));
    std::string s(reinterpret_cast<const char*>(p + i), len);
    i += len + 1;
    return s;
  };
  while (i < n) {
    const uint8_t op = p[i++];
    switch (op) {
      case 0x80:  // PROTO
        if (!need(1)) return std::nullopt;
        ++i;
        break;
      case 0x95:  // FRAME
        if (!need(8)) return std::nullopt;
        i += 8;
        break;
      case '.':  // STOP
        return out;
      case '(':
        stack.push_back(Item{Item::kMark, {}, 0, nullptr});
        break;
      case 'X':
      case 'T':
      case 'B': {  // BINUNICODE, BINSTRING, BINBYTES
        if (!need(4)) return std::nullopt;
        const size_t len = le(4);
        if (!need(len)) return std::nullopt;
        text(len);
        break;
      }
      case 0x8c:
      case 'U':
      case 'C': {  // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES
        if (!need(1)) return std::nullopt;
        const size_t len = le(1);
        if (!need(len)) return std::nullopt;
        text(len);
        break;
      }
      case 0x8d:
      case 0x8e:
      case 0x96: {  // BINUNICODE8, BINBYTES8, BYTEARRAY8
        if (!need(8)) return std::nullopt;
        const uint64_t len = le(8);
        if (len > n - i) return std::nullopt;
        text(static_cast<size_t>(len));
        break;
      }
      case 'J':
        if (!need(4)) return std::nullopt;
        integer(static_cast<int32_t>(le(4)));
        break;
      case 'K':
        if (!need(1)) return std::nullopt;
        integer(static_cast<int64_t>(le(1)));
        break;
      case 'M':
        if (!need(2)) return std::nullopt;
        integer(static_cast<int64_t>(le(2)));
        break;
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const size_t w = op == 0x8a ? 1 : 4;
        if (!need(w)) return std::nullopt;
        const size_t len = le(w);
        if (!need(len)) return std::nullopt;
        if (len > 8) {  // beyond int64: no storage is that large
          i += len;
          stack.push_back(Item{});
          break;
        }
        uint64_t v = le(len);
        if (len > 0 && len < 8 && (v >> (8 * len - 1)) & 1) v |= ~uint64_t{0} << (8 * len);
        integer(static_cast<int64_t>(v));
        break;
      }
      case 'G':  // BINFLOAT
        if (!need(8)) return std::nullopt;
        i += 8;
        stack.push_back(Item{});
        break;
      case 'c': {  // GLOBAL module\nname\n
        auto mod = line();
        auto name = mod ? line() : std::nullopt;
        if (!name) return std::nullopt;
        Item it;
        it.kind = Item::kString;
        it.text = *mod + "." + *name;
        stack.push_back(std::move(it));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        if (stack.size() < 2) return std::nullopt;
        Item it;
        it.kind = Item::kString;
        it.text = stack[stack.size() - 2].text + "." + stack.back().text;
        stack.resize(stack.size() - 2);
        stack.push_back(std::move(it));
        break;
      }
      case 'I':
      case 'L':
      case 'S':
      case 'V':
      case 'F':
      case 'P': {  // text-protocol forms
        if (!line()) return std::nullopt;
        stack.push_back(Item{});
        break;
      }
      case 'N':
      case 0x88:
      case 0x89:
      case ')':
      case ']':
      case '}':
      case 0x8f:
        if (op == ')')
          tuple({});
        else
          stack.push_back(Item{});
        break;
      case 'q':
      case 'r':
      case 0x94: {  // BINPUT, LONG_BINPUT, MEMOIZE
        uint64_t key = memo.size();
        if (op != 0x94) {
          const size_t w = op == 'q' ? 1 : 4;
          if (!need(w)) return std::nullopt;
          key = le(w);
        }
        if (stack.empty()) return std::nullopt;
        memo[key] = stack.back();
        break;
      }
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        const size_t w = op == 'h' ? 1 : 4;
        if (!need(w)) return std::nullopt;
        auto it = memo.find(le(w));
        if (it == memo.end()) return std::nullopt;
        stack.push_back(it->second);
        break;
      }
      case 't': {
        auto items = pop_to_mark();
        if (!items) return std::nullopt;
        tuple(std::move(*items));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t k = op - 0x84u;
        if (stack.size() < k) return std::nullopt;
        std::vector<Item> items(stack.end() - static_cast<std::ptrdiff_t>(k), stack.end());
        stack.resize(stack.size() - k);
        tuple(std::move(items));
        break;
      }
      case 'l':
      case 'd':
      case 0x91:
      case 'u':
      case 'e':
      case 0x90:
      case '1': {
        // LIST, DICT, FROZENSET push one value made of the marked ones; SETITEMS, APPENDS,
        // ADDITEMS and POP_MARK consume them into what lies below.
        if (!pop_to_mark()) return std::nullopt;
        if (op == 'l' || op == 'd' || op == 0x91) stack.push_back(Item{});
        break;
      }
      case 'Q': {  // BINPERSID
        if (stack.empty()) return std::nullopt;
        const Item id = stack.back();
        stack.back() = Item{};
        if (id.kind == Item::kTuple && id.items->size() == 5 && (*id.items)[0].kind == Item::kString &&
            (*id.items)[0].text == "storage" && (*id.items)[1].kind == Item::kString &&
            (*id.items)[2].kind == Item::kString && (*id.items)[4].kind == Item::kInt)
          out.push_back({(*id.items)[1].text, (*id.items)[2].text, (*id.items)[4].number});
        break;
      }
      case 'R':
      case 0x81:
      case 's':  // REDUCE, NEWOBJ, SETITEM: two values become one / none
        if (!pop(op == 's' ? 2 : 1)) return std::nullopt;
        if (op != 's') stack.back() = Item{};
        break;
      case 'b':
      case 'a':
      case '0':  // BUILD, APPEND, POP
        if (!pop(1)) return std::nullopt;
        break;
      case '2':  // DUP
        if (stack.empty()) return std::nullopt;
        stack.push_back(stack.back());
        break;
      default:
        return std::nullopt;  // an opcode torch does not write: leave the file to LibTorch
    }
  }
  return std::nullopt;  // no STOP
}

class MemoryAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  MemoryAdapter(const char* data, size_t size) : data_(data), size_(size) {}
  size_t size() const override { return size_; }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= size_) return 0;
    const size_t k = std::min<uint64_t>(n, size_ - pos);
    std::memcpy(buf, data_ + pos, k);
    return k;
  }

 private:
  const char* data_;
  size_t size_;
};

void check(caffe2::serialize::PyTorchStreamReader& reader, const std::string& what) {
  for (const std::string& record : reader.getAllRecords()) {
    // What LibTorch loads: data.pkl's tensors are in data/<key>, constants.pkl's in constants/<key>.
    // (traced_inputs.pkl declares storages whose records are empty, and nothing loads them.)
    if (record != "data.pkl" && record != "constants.pkl") continue;
    const std::string dir = record.substr(0, record.size() - 4) + "/";
    auto [bytes, size] = reader.getRecord(record);
    auto decls = storage_decls(static_cast<const uint8_t*>(bytes.get()), size);
    if (!decls) continue;
    for (const StorageDecl& d : *decls) {
      const size_t each = element_bytes(d.type);
      const std::string name = dir + d.key;
      if (each == 0 || d.numel < 0 || !reader.hasRecord(name)) continue;
      const uint64_t declared = static_cast<uint64_t>(d.numel) * each;
      const size_t held = reader.getRecordSize(name);
      if (held < declared)
        throw Error(
            fmt::format("{}: damaged archive: record {} holds {} bytes where its tensor data needs {} (the "
                        "file was cut or altered)",
                        what, name, held, declared));
    }
  }
}

}  // namespace

namespace {

// Opens the archive with `open` and checks it; archives LibTorch cannot open, or that fail in
// its reader, are left to LibTorch's own load.
template <typename Open>
void check_opened(Open open, const std::string& what) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = open();
    check(*reader, what);
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
  }
}

}  // namespace

void check_archive_records(const std::string& path) {
  check_opened([&] { return std::make_unique<caffe2::serialize::PyTorchStreamReader>(path); }, path);
}

void check_archive_records(const char* data, size_t size, const std::string& what) {
  check_opened(
      [&] {
        return std::make_unique<caffe2::serialize::PyTorchStreamReader>(std::make_shared<MemoryAdapter>(data, size));
      },
      what);
}

}  // namespace litecast::graph
