# cmake -DROOMCAST=path/to/roomcast -DVERSION=x.y.z -DOUT=roomcast.1 -P make_manpage.cmake
# Writes the man page from `roomcast --help` and each `roomcast COMMAND --help`.
set(commands publish listen server load report)

function(help_of out)
  execute_process(COMMAND ${ROOMCAST} ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ROOMCAST} ${ARGN} exited ${rc}")
  endif()
  # roff: backslashes escaped, lines starting with . or ' protected, text kept as laid out.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(REGEX REPLACE "\n+$" "" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of(main --help)
string(TIMESTAMP today "%Y-%m-%d" UTC)
set(page ".TH ROOMCAST 1 \"${today}\" \"roomcast ${VERSION}\" \"User Commands\"
.SH NAME
roomcast \\- bring audio into a live WebRTC meeting (Janus VideoRoom)
.SH SYNOPSIS
.B roomcast
.I COMMAND
[\\fIoptions\\fR]
.br
.B roomcast \\-\\-version
.SH DESCRIPTION
.nf
${main}
.fi
")
foreach(command IN LISTS commands)
  string(TOUPPER "${command}" title)
  help_of(text ${command} --help)
  string(APPEND page ".SH ${title}\n.nf\n${text}\n.fi\n")
endforeach()
string(APPEND page ".SH SEE ALSO\n.BR janus (1)\n")
file(WRITE ${OUT} "${page}")
