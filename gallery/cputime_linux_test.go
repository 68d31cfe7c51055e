package gallery

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used, so
// benchmarks on a machine shared with other work can report CPU time per
// operation next to wall time. The caller must hold runtime.LockOSThread.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
