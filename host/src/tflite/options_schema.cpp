#include "tflite/options_schema.hpp"

#include <litecast/error.hpp>

#include <flatbuffers/reflection.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

// Generated at build time from schema.bfbs (see host/CMakeLists.txt).
extern const unsigned char litecast_tflite_bfbs[];
extern const size_t litecast_tflite_bfbs_size;

namespace litecast::tflite {

namespace {

constexpr const char* kNamespace = "litecast.tfl.";

// Operators whose options table is not named after the operator. Everything else follows
// TFLite's convention CONV_2D -> Conv2DOptions, which options_table() derives.
const std::map<std::string, std::string>& options_exceptions() {
  static const std::map<std::string, std::string> m = {
      {"AVERAGE_POOL_2D", "Pool2DOptions"},      {"MAX_POOL_2D", "Pool2DOptions"},
      {"L2_POOL_2D", "Pool2DOptions"},           {"MEAN", "ReducerOptions"},
      {"SUM", "ReducerOptions"},                 {"REDUCE_PROD", "ReducerOptions"},
      {"REDUCE_MAX", "ReducerOptions"},          {"REDUCE_MIN", "ReducerOptions"},
      {"REDUCE_ANY", "ReducerOptions"},          {"REDUCE_ALL", "ReducerOptions"},
      {"MAXIMUM", "MaximumMinimumOptions"},      {"MINIMUM", "MaximumMinimumOptions"},
      {"L2_NORMALIZATION", "L2NormOptions"},     {"UNIDIRECTIONAL_SEQUENCE_RNN", "SequenceRNNOptions"},
      {"CONV_3D_TRANSPOSE", "Conv3DOptions"},    {"RANDOM_STANDARD_NORMAL", "RandomOptions"},
      {"RANDOM_UNIFORM", "RandomOptions"},       {"MULTINOMIAL", "RandomOptions"},
  };
  return m;
}

std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Tables {
  std::map<int32_t, OptionsTable> by_op;
};

const Tables& tables() {
  static const Tables t = [] {
    Tables t;
    const reflection::Schema& s = schema();
    const reflection::Enum* ops = s.enums()->LookupByKey((std::string(kNamespace) + "BuiltinOperator").c_str());
    const reflection::Enum* un = s.enums()->LookupByKey((std::string(kNamespace) + "BuiltinOptions").c_str());
    if (!ops || !un) throw Error("internal: embedded TFLite schema lacks BuiltinOperator/BuiltinOptions");
    std::map<std::string, OptionsTable> by_squashed, by_name;
    for (const reflection::EnumVal* v : *un->values()) {
      if (v->value() == 0) continue;  // NONE
      OptionsTable ot{s.objects()->Get(static_cast<flatbuffers::uoffset_t>(v->union_type()->index())),
                      static_cast<uint8_t>(v->value())};
      std::string name = v->name()->str();
      by_name[name] = ot;
      std::string sq = squash(name);
      if (sq.size() > 7 && sq.compare(sq.size() - 7, 7, "options") == 0) sq.resize(sq.size() - 7);
      by_squashed[sq] = ot;
    }
    for (const reflection::EnumVal* v : *ops->values()) {
      std::string op = v->name()->str();
      auto ex = options_exceptions().find(op);
      if (ex != options_exceptions().end()) {
        auto it = by_name.find(ex->second);
        if (it == by_name.end()) throw Error("internal: schema lacks options table " + ex->second);
        t.by_op[static_cast<int32_t>(v->value())] = it->second;
        continue;
      }
      auto it = by_squashed.find(squash(op));
      if (it != by_squashed.end()) t.by_op[static_cast<int32_t>(v->value())] = it->second;
    }
    return t;
  }();
  return t;
}

const reflection::Enum* enum_of(const reflection::Field& f) {
  int32_t idx = f.type()->index();
  if (idx < 0 || f.type()->base_type() == reflection::Obj || f.type()->base_type() == reflection::Vector)
    return nullptr;
  return schema().enums()->Get(static_cast<flatbuffers::uoffset_t>(idx));
}

bool is_integer(reflection::BaseType t) { return t >= reflection::Bool && t <= reflection::ULong; }
bool is_real(reflection::BaseType t) { return t == reflection::Float || t == reflection::Double; }

std::string short_name(const reflection::Object& o) {
  std::string n = o.name()->str();
  return n.rfind(kNamespace, 0) == 0 ? n.substr(std::string(kNamespace).size()) : n;
}

std::string field_list(const reflection::Object& o) {
  std::string out;
  for (const reflection::Field* f : *o.fields()) {
    if (f->deprecated()) continue;
    if (!out.empty()) out += ", ";
    out += f->name()->str();
  }
  return out;
}

}  // namespace

const reflection::Schema& schema() {
  static const reflection::Schema* s = [] {
    flatbuffers::Verifier v(litecast_tflite_bfbs, litecast_tflite_bfbs_size);
    if (!reflection::VerifySchemaBuffer(v)) throw Error("internal: embedded TFLite schema is corrupt");
    return reflection::GetSchema(litecast_tflite_bfbs);
  }();
  return *s;
}

OptionsTable options_table(int32_t builtin_code) {
  const auto& m = tables().by_op;
  auto it = m.find(builtin_code);
  return it == m.end() ? OptionsTable{} : it->second;
}

std::string check_option(int32_t builtin_code, const std::string& field, const OptionValue& value) {
  OptionsTable ot = options_table(builtin_code);
  std::string op = builtin_name(builtin_code);
  if (!ot.object) return fmt::format("{} takes no options (asked to set '{}')", op, field);
  const reflection::Field* f = ot.object->fields()->LookupByKey(field.c_str());
  if (!f || f->deprecated())
    return fmt::format("{} has no option '{}' ({} has: {})", op, field, short_name(*ot.object),
                       field_list(*ot.object));
  reflection::BaseType bt = f->type()->base_type();
  const reflection::Enum* en = enum_of(*f);
  if (std::holds_alternative<EnumName>(value)) {
    if (!en) return fmt::format("{}.{} is not an enum", op, field);
    const std::string& name = std::get<EnumName>(value).name;
    for (const reflection::EnumVal* v : *en->values())
      if (v->name()->str() == name) return "";
    std::string names;
    for (const reflection::EnumVal* v : *en->values()) names += (names.empty() ? "" : ", ") + v->name()->str();
    return fmt::format("{}.{}: '{}' is not one of {}", op, field, name, names);
  }
  if (std::holds_alternative<int64_t>(value)) {
    if (!is_integer(bt)) return fmt::format("{}.{} is not an integer field", op, field);
    return "";
  }
  if (std::holds_alternative<double>(value)) {
    if (!is_real(bt)) return fmt::format("{}.{} is not a float field", op, field);
    return "";
  }
  if (bt != reflection::Vector || !is_integer(f->type()->element()))
    return fmt::format("{}.{} is not an integer list field", op, field);
  return "";
}

flatbuffers::Offset<void> build_options(flatbuffers::FlatBufferBuilder& fbb, const Operator& op) {
  OptionsTable ot = options_table(op.builtin_code);
  if (!ot.object) {
    if (!op.options.empty())
      throw Error(check_option(op.builtin_code, op.options.front().field, op.options.front().value));
    return 0;
  }
  // Vectors must be serialised before the table that points at them.
  std::vector<std::pair<const reflection::Field*, flatbuffers::uoffset_t>> vectors;
  for (const Option& o : op.options) {
    std::string err = check_option(op.builtin_code, o.field, o.value);
    if (!err.empty()) throw Error(err);
    const reflection::Field* f = ot.object->fields()->LookupByKey(o.field.c_str());
    if (f->type()->base_type() != reflection::Vector) continue;
    const auto& v = std::get<std::vector<int64_t>>(o.value);
    switch (f->type()->element()) {
      case reflection::Long:
      case reflection::ULong:
        vectors.emplace_back(f, fbb.CreateVector(v).o);
        break;
      default: {
        std::vector<int32_t> narrow(v.begin(), v.end());
        vectors.emplace_back(f, fbb.CreateVector(narrow).o);
      }
    }
  }
  flatbuffers::uoffset_t start = fbb.StartTable();
  for (const auto& [f, off] : vectors)
    fbb.AddOffset(flatbuffers::FieldIndexToOffset(f->id()), flatbuffers::Offset<void>(off));
  for (const Option& o : op.options) {
    const reflection::Field* f = ot.object->fields()->LookupByKey(o.field.c_str());
    flatbuffers::voffset_t slot = flatbuffers::FieldIndexToOffset(f->id());
    int64_t iv = 0;
    double dv = 0;
    if (const auto* e = std::get_if<EnumName>(&o.value)) {
      for (const reflection::EnumVal* v : *enum_of(*f)->values())
        if (v->name()->str() == e->name) iv = v->value();
    } else if (const auto* i = std::get_if<int64_t>(&o.value)) {
      iv = *i;
    } else if (const auto* d = std::get_if<double>(&o.value)) {
      dv = *d;
    } else {
      continue;  // vectors done above
    }
    // Forced: a value equal to the default is written anyway, which is harmless and keeps
    // the file's content independent of schema defaults.
    switch (f->type()->base_type()) {
      case reflection::Bool:
      case reflection::UByte: fbb.AddElement<uint8_t>(slot, static_cast<uint8_t>(iv)); break;
      case reflection::Byte: fbb.AddElement<int8_t>(slot, static_cast<int8_t>(iv)); break;
      case reflection::Short: fbb.AddElement<int16_t>(slot, static_cast<int16_t>(iv)); break;
      case reflection::UShort: fbb.AddElement<uint16_t>(slot, static_cast<uint16_t>(iv)); break;
      case reflection::Int: fbb.AddElement<int32_t>(slot, static_cast<int32_t>(iv)); break;
      case reflection::UInt: fbb.AddElement<uint32_t>(slot, static_cast<uint32_t>(iv)); break;
      case reflection::Long: fbb.AddElement<int64_t>(slot, iv); break;
      case reflection::ULong: fbb.AddElement<uint64_t>(slot, static_cast<uint64_t>(iv)); break;
      case reflection::Float: fbb.AddElement<float>(slot, static_cast<float>(dv)); break;
      case reflection::Double: fbb.AddElement<double>(slot, dv); break;
      default: throw Error(fmt::format("{}.{}: unsupported field type", builtin_name(op.builtin_code), o.field));
    }
  }
  return flatbuffers::Offset<void>(fbb.EndTable(start));
}

std::vector<Option> read_options(const flatbuffers::Table* table, uint8_t union_type) {
  std::vector<Option> out;
  if (!table || union_type == 0) return out;
  const reflection::Schema& s = schema();
  const reflection::Enum* un = s.enums()->LookupByKey((std::string(kNamespace) + "BuiltinOptions").c_str());
  const reflection::EnumVal* member = un->values()->LookupByKey(union_type);
  if (!member) return out;
  const reflection::Object* obj = s.objects()->Get(static_cast<flatbuffers::uoffset_t>(member->union_type()->index()));
  for (const reflection::Field* f : *obj->fields()) {
    if (f->deprecated() || !table->CheckField(flatbuffers::FieldIndexToOffset(f->id()))) continue;
    reflection::BaseType bt = f->type()->base_type();
    if (bt == reflection::Vector && is_integer(f->type()->element())) {
      const flatbuffers::VectorOfAny* v = flatbuffers::GetFieldAnyV(*table, *f);
      std::vector<int64_t> vals;
      for (flatbuffers::uoffset_t i = 0; v && i < v->size(); ++i)
        vals.push_back(flatbuffers::GetAnyVectorElemI(v, f->type()->element(), i));
      out.push_back({f->name()->str(), vals});
    } else if (const reflection::Enum* en = enum_of(*f)) {
      int64_t iv = flatbuffers::GetAnyFieldI(*table, *f);
      const reflection::EnumVal* ev = en->values()->LookupByKey(iv);
      if (ev)
        out.push_back({f->name()->str(), EnumName{ev->name()->str()}});
      else
        out.push_back({f->name()->str(), iv});
    } else if (is_integer(bt)) {
      out.push_back({f->name()->str(), flatbuffers::GetAnyFieldI(*table, *f)});
    } else if (is_real(bt)) {
      out.push_back({f->name()->str(), flatbuffers::GetAnyFieldF(*table, *f)});
    }
  }
  return out;
}

}  // namespace litecast::tflite
