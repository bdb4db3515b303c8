# Tests of the ACLI command tree (in progress).
