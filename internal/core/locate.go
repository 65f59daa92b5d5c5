package core

import (
	"os"
	"path/filepath"
)

// WasmName is the file name of the core.
const WasmName = "v86.wasm"

// Find returns where the core is: $DO86_CORE, then beside the executable,
// then third_party/v86 of a source checkout above the working directory or
// the executable, then the user cache directory (where 'make setup' also puts
// it). It returns the last candidate when none exists, for the error message.
func Find() string {
	if p := os.Getenv("DO86_CORE"); p != "" {
		return p
	}
	var cands []string
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		cands = append(cands, filepath.Join(dir, WasmName))
		cands = append(cands, upward(dir)...)
	}
	if wd, err := os.Getwd(); err == nil {
		cands = append(cands, upward(wd)...)
	}
	if d, err := os.UserCacheDir(); err == nil {
		cands = append(cands, filepath.Join(d, "do86", "core", Version, WasmName))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	if len(cands) == 0 {
		return WasmName
	}
	return cands[len(cands)-1]
}

// upward lists third_party/v86/v86.wasm in dir and each of its parents.
func upward(dir string) []string {
	var out []string
	for {
		out = append(out, filepath.Join(dir, "third_party", "v86", WasmName))
		parent := filepath.Dir(dir)
		if parent == dir {
			return out
		}
		dir = parent
	}
}
