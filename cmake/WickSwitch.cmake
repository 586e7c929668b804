# wick_switch(NAME DOC OUT): the AUTO | ON | OFF cache variable of an
# optional dependency (WICK_MPI, WICK_DNNL), checked and upper-cased into OUT.
function(wick_switch name doc out)
  set(${name} AUTO CACHE STRING "${doc}: AUTO (when found), ON or OFF")
  set_property(CACHE ${name} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${${name}}" value)
  if(NOT value MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "${name} must be AUTO, ON or OFF, got '${${name}}'")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
