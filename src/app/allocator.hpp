// Start-up tuning of glibc's allocator, which can only be set through the environment.
#pragma once

namespace rm {

// glibc keeps at most 7 freed chunks per size class in each thread's own cache; a request to
// ruddermock allocates more than that of the same sizes, and the overflow goes to arenas that
// the 64 HTTP threads share (locks, consolidation). A per-thread cache of 200 chunks measured
// ~5% less server CPU per single-event request (4 of 4 interleaved runs; the bare httplib
// server of bench/run.sh: ~1%). The setting is read only when a process starts, so the first
// call re-executes the program once with it added to GLIBC_TUNABLES (same pid, same
// arguments, RUDDERMOCK_ALLOCATOR_TUNED=1 marks the second run). It does nothing when the
// variable already names the setting, when RUDDERMOCK_NO_REEXEC is set, or when its own
// file cannot be executed again (it returns; the program runs with glibc's defaults). Call it
// first in main, before any thread starts.
void tune_allocator(char** argv);

} // namespace rm
