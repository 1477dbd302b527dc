# Run an example program and require its exit status 0 and the expected
# lines (EXPECT, EXPECT2) in what it prints on stdout and stderr.
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 30)
set(all "${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} exited with ${rc}:\n${all}")
endif()
foreach(want "${EXPECT}" "${EXPECT2}")
    if(want AND NOT all MATCHES "${want}")
        message(FATAL_ERROR "${EXE}: expected \"${want}\" in:\n${all}")
    endif()
endforeach()
message(STATUS "${all}")
