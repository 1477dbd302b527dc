# actor_bench_smoke: run `actor_bench --quick --no-peers`; require exit
# status 0 and the table's header line, so a broken bench fails ctest.
execute_process(COMMAND ${EXE} --quick --no-peers RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 100)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "actor_bench exited with ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "figure +unit +microkernel +Erlang")
    message(FATAL_ERROR "actor_bench: no table header in:\n${out}${err}")
endif()
message(STATUS "${out}")
