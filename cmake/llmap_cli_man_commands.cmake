# Writes a help2man include file (OUT) with every llmap-cli command's own --help, so that the man
# page documents each command's options. The commands are read from `llmap-cli --help`.
# Usage: cmake -DCLI=<llmap-cli> -DOUT=<file.h2m> -P llmap_cli_man_commands.cmake
execute_process(COMMAND "${CLI}" --help OUTPUT_VARIABLE usage RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CLI} --help failed (${rc})")
endif()
string(REGEX MATCHALL "\n  [a-z]+ " entries "${usage}")
set(commands "")
foreach(entry IN LISTS entries)
  string(STRIP "${entry}" command)
  list(APPEND commands "${command}")
endforeach()
list(REMOVE_DUPLICATES commands)

set(text "[COMMANDS]\n")
foreach(command IN LISTS commands)
  execute_process(COMMAND "${CLI}" ${command} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CLI} ${command} --help failed (${rc})")
  endif()
  # troff: a backslash is written \e; a line must not start with . or '.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND text ".SS ${command}\n.nf\n${help}.fi\n")
endforeach()
string(APPEND text "[FILES]\n"
  "Bundled data: the default and quick text sets, the demo project and three tiny models in "
  "share/llmap under the installation prefix (/usr/share/llmap for the Debian package).\n"
  "[SEE ALSO]\n.BR llmap (1)\n")
file(WRITE "${OUT}" "${text}")
