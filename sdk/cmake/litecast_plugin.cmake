# litecast_add_plugin(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>])
#
# Builds a litecast plugin the one way plugins are built, in tree and out: a MODULE library
# that sees only the SDK headers, compiled with hidden visibility and linked with a version
# script, so that its one exported symbol is litecast_plugin_entry_v1.
function(litecast_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE litecast::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  set(_script ${CMAKE_CURRENT_BINARY_DIR}/${target}.exports.map)
  file(WRITE ${_script} "{\n  global: litecast_plugin_entry_v1;\n  local: *;\n};\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${_script}" "LINKER:--no-undefined")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${_script})
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
endfunction()
