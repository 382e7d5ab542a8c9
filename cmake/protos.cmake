# Generates C++ (and, for the Python client tests, Python) code from the
# protos in protos/ and from Debian's grpc-proto health protocol, into one
# static library `loupe_proto`.
set(LOUPE_PROTO_SRC_DIR ${PROJECT_SOURCE_DIR}/protos)
set(LOUPE_PROTO_GEN_DIR ${PROJECT_BINARY_DIR}/gen)
set(LOUPE_PY_GEN_DIR ${PROJECT_BINARY_DIR}/gen_py)
file(MAKE_DIRECTORY ${LOUPE_PROTO_GEN_DIR} ${LOUPE_PY_GEN_DIR})

# name;import root;has services
set(LOUPE_PROTOS
  "google/rpc/status.proto|${LOUPE_PROTO_SRC_DIR}|0"
  "google/rpc/error_details.proto|${LOUPE_PROTO_SRC_DIR}|0"
  "loupe/v1/document.proto|${LOUPE_PROTO_SRC_DIR}|0"
  "loupe/v1/ingest.proto|${LOUPE_PROTO_SRC_DIR}|1"
  "loupe/v1/index.proto|${LOUPE_PROTO_SRC_DIR}|1"
  "loupe/v1/query.proto|${LOUPE_PROTO_SRC_DIR}|1"
  "loupe/v1/admin.proto|${LOUPE_PROTO_SRC_DIR}|1"
  "loupe/storage/v1/index_storage.proto|${LOUPE_PROTO_SRC_DIR}|0"
  "loupe/storage/v1/ingest_storage.proto|${LOUPE_PROTO_SRC_DIR}|0"
  "loupe/storage/v1/query_storage.proto|${LOUPE_PROTO_SRC_DIR}|0"
  # Linked so that reflection can describe grpc.health.v1.Health: gRPC's
  # built-in health service registers no descriptor (grpc/grpc#36665).
  "grpc/health/v1/health.proto|${GRPC_PROTO_DIR}|1"
)

set(LOUPE_PROTO_CC)
set(LOUPE_PROTO_PY)
foreach(entry IN LISTS LOUPE_PROTOS)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 rel)
  list(GET parts 1 root)
  list(GET parts 2 has_services)
  string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
  set(outputs ${LOUPE_PROTO_GEN_DIR}/${stem}.pb.cc ${LOUPE_PROTO_GEN_DIR}/${stem}.pb.h)
  set(py_outputs ${LOUPE_PY_GEN_DIR}/${stem}_pb2.py)
  set(args --cpp_out=${LOUPE_PROTO_GEN_DIR} --python_out=${LOUPE_PY_GEN_DIR})
  if(has_services)
    list(APPEND outputs ${LOUPE_PROTO_GEN_DIR}/${stem}.grpc.pb.cc ${LOUPE_PROTO_GEN_DIR}/${stem}.grpc.pb.h)
    list(APPEND args --grpc_out=${LOUPE_PROTO_GEN_DIR} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
    if(GRPC_PYTHON_PLUGIN)
      list(APPEND py_outputs ${LOUPE_PY_GEN_DIR}/${stem}_pb2_grpc.py)
      list(APPEND args --grpc_python_out=${LOUPE_PY_GEN_DIR} --plugin=protoc-gen-grpc_python=${GRPC_PYTHON_PLUGIN})
    endif()
  endif()
  add_custom_command(
    OUTPUT ${outputs} ${py_outputs}
    COMMAND protobuf::protoc -I${LOUPE_PROTO_SRC_DIR} -I${GRPC_PROTO_DIR} ${args} ${root}/${rel}
    DEPENDS ${root}/${rel} protobuf::protoc
    COMMENT "protoc ${rel}"
    VERBATIM)
  foreach(out IN LISTS outputs)
    if(out MATCHES "\\.cc$")
      list(APPEND LOUPE_PROTO_CC ${out})
    endif()
  endforeach()
  list(APPEND LOUPE_PROTO_PY ${py_outputs})
endforeach()

add_library(loupe_proto STATIC ${LOUPE_PROTO_CC})
target_include_directories(loupe_proto PUBLIC ${LOUPE_PROTO_GEN_DIR})
target_link_libraries(loupe_proto PUBLIC protobuf::libprotobuf gRPC::grpc++)
target_compile_options(loupe_proto PRIVATE -w)

# Python modules for tests/ (the cross-language client and reflection tests).
add_custom_target(loupe_proto_py ALL DEPENDS ${LOUPE_PROTO_PY})
