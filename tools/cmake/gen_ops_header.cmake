# cmake -DSCHEMA=schema.fbs -DOUTPUT=tflite_ops.h -P gen_ops_header.cmake
# Writes the TFLite builtin operator codes of our schema as C99 #defines for plugins, so that
# the SDK needs no generated FlatBuffers code.
file(READ "${SCHEMA}" text)
string(REGEX MATCH "enum BuiltinOperator[^{]*{([^}]*)}" _ "${text}")
set(body "${CMAKE_MATCH_1}")
if(NOT body)
  message(FATAL_ERROR "gen_ops_header: no BuiltinOperator enum in ${SCHEMA}")
endif()
string(REGEX MATCHALL "[A-Z0-9_]+ *= *-?[0-9]+" pairs "${body}")
set(defines "")
foreach(p IN LISTS pairs)
  string(REGEX REPLACE " *= *" ";" kv "${p}")
  list(GET kv 0 name)
  list(GET kv 1 value)
  string(APPEND defines "#define LC_OP_${name} ${value}\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "/* TFLite builtin operator codes (BuiltinOperator), generated from litecast's TFLite schema.\n"
  " * Pass them to lc_host_api_t::add_operator. C99; part of the litecast SDK. */\n"
  "#ifndef LITECAST_TFLITE_OPS_H\n#define LITECAST_TFLITE_OPS_H\n\n${defines}\n#endif /* LITECAST_TFLITE_OPS_H */\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
