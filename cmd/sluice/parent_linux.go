package main

import (
	"os"
	"strings"
	"syscall"
)

// stopWithGoRun makes the server get SIGTERM when the `go run` that started it
// exits. `go run` does not pass SIGTERM on to the program: without this, a
// SIGTERM to `go run` left the server running on its ports with no parent.
// Only for a binary that go run built (it lives in a go-build temporary
// directory): a server started from a shell must outlive the shell.
func stopWithGoRun() {
	exe, err := os.Executable()
	if err != nil || !strings.Contains(exe, string(os.PathSeparator)+"go-build") {
		return
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return
	}
	if os.Getppid() == 1 {
		// go run exited before the request took effect.
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}
