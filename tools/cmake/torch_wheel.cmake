# LibTorch from a torch 2.x Python wheel, as the imported target litecast::torch.
#
# Why not find_package(Torch): the wheel's TorchConfig.cmake insists on a CUDA toolkit, links
# libtorch_cuda, and may pull a system libc10 into TORCH_LIBRARIES. The host needs the CPU
# libraries only (torch_cpu and c10), which carry their own RUNPATH to the NVIDIA runtime
# wheels beside them.
#
# LITECAST_TORCH_DIR: the wheel's package directory (the folder of torch/__init__.py). Default:
# the torch in the project's .venv (tools/setup.sh installs it). A user with torch 2.x elsewhere
# passes -DLITECAST_TORCH_DIR=$(python -c "import torch, os; print(os.path.dirname(torch.__file__))").
#
# The wheel ships fmt headers of its own in include/fmt; litecast uses the system's fmt, so the
# include path is a mirror of the wheel's include/ without fmt (symlinks in the build tree).

set(LITECAST_TORCH_DIR "" CACHE PATH "torch 2.x package directory (site-packages/torch); default: .venv's")
if(NOT LITECAST_TORCH_DIR)
  file(GLOB _lc_torch_candidates "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/torch")
  list(LENGTH _lc_torch_candidates _lc_n)
  if(_lc_n EQUAL 0)
    message(FATAL_ERROR "No torch in ${PROJECT_SOURCE_DIR}/.venv: run tools/setup.sh, or pass "
                        "-DLITECAST_TORCH_DIR=<site-packages/torch of a torch 2.x install>")
  endif()
  list(GET _lc_torch_candidates 0 _lc_dir)
  set(LITECAST_TORCH_DIR "${_lc_dir}" CACHE PATH "torch 2.x package directory (site-packages/torch)" FORCE)
endif()

foreach(_lc_need lib/libtorch_cpu.so lib/libc10.so include/ATen/ATen.h version.py)
  if(NOT EXISTS "${LITECAST_TORCH_DIR}/${_lc_need}")
    message(FATAL_ERROR "LITECAST_TORCH_DIR=${LITECAST_TORCH_DIR} is not a torch wheel's package directory "
                        "(no ${_lc_need})")
  endif()
endforeach()
file(STRINGS "${LITECAST_TORCH_DIR}/version.py" _lc_version_line REGEX "^__version__ *=")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" LITECAST_TORCH_VERSION "${_lc_version_line}")
if(NOT LITECAST_TORCH_VERSION MATCHES "^2\\.")
  message(FATAL_ERROR "litecast needs torch 2.x; ${LITECAST_TORCH_DIR} holds torch '${LITECAST_TORCH_VERSION}'")
endif()
message(STATUS "LibTorch ${LITECAST_TORCH_VERSION} from ${LITECAST_TORCH_DIR}")

# The wheel's include/ without fmt, mirrored by symlinks.
set(_lc_mirror "${CMAKE_BINARY_DIR}/torch-include")
file(MAKE_DIRECTORY "${_lc_mirror}")
file(GLOB _lc_entries RELATIVE "${LITECAST_TORCH_DIR}/include" "${LITECAST_TORCH_DIR}/include/*")
foreach(_lc_e IN LISTS _lc_entries)
  if(NOT _lc_e STREQUAL "fmt")
    file(CREATE_LINK "${LITECAST_TORCH_DIR}/include/${_lc_e}" "${_lc_mirror}/${_lc_e}" SYMBOLIC)
  endif()
endforeach()

add_library(litecast_torch INTERFACE IMPORTED GLOBAL)
add_library(litecast::torch ALIAS litecast_torch)
set_target_properties(litecast_torch PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_lc_mirror};${_lc_mirror}/torch/csrc/api/include"
  INTERFACE_COMPILE_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=1"
  INTERFACE_COMPILE_FEATURES cxx_std_20
  INTERFACE_LINK_LIBRARIES "${LITECAST_TORCH_DIR}/lib/libtorch_cpu.so;${LITECAST_TORCH_DIR}/lib/libc10.so")
set(LITECAST_TORCH_LIBDIR "${LITECAST_TORCH_DIR}/lib")
