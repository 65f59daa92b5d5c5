package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// spawn runs one measurement in a child process: argv reads the Spec on
// stdin and writes a Result line on stdout.
func spawn(ctx context.Context, argv []string, spec Spec) Result {
	res := Result{Workload: spec.Workload, Name: spec.Name, JIT: spec.JIT}
	in, err := json.Marshal(spec)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	// The child enforces the timeout itself; this one is for a child that
	// hangs anyway.
	ctx, cancel := context.WithTimeout(ctx, spec.timeout()+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &tailWriter{max: 4096, b: &stderr}
	if spec.Trace {
		cmd.Stderr = io.MultiWriter(os.Stderr, cmd.Stderr)
	}
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start).Seconds()
	if line := lastLine(stdout.Bytes()); len(line) > 0 {
		if err := json.Unmarshal(line, &res); err != nil {
			res.OK, res.Error = false, fmt.Sprintf("bad result line %q: %v", line, err)
		}
	} else {
		res.OK = false
		res.Error = fmt.Sprintf("%s: no result (%v): %s", filepath.Base(argv[0]), runErr, strings.TrimSpace(lastLines(stderr.String(), 3)))
	}
	if cmd.ProcessState != nil {
		res.PeakRSSMiB, res.CPUSeconds = childUsage(cmd.ProcessState)
	}
	res.WallSeconds = wall
	return res
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct {
	max int
	b   *bytes.Buffer
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b.Write(p)
	if t.b.Len() > 2*t.max {
		keep := append([]byte(nil), t.b.Bytes()[t.b.Len()-t.max:]...)
		t.b.Reset()
		t.b.Write(keep)
	}
	return len(p), nil
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return bytes.TrimSpace(lines[len(lines)-1])
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// nodeHarness is where the Node side lives.
type nodeHarness struct {
	script    string // scripts/v86-node/run.mjs
	lib, wasm string // the npm package's libv86.mjs and v86.wasm
}

// findNode locates the harness and the v86 npm package, installing the
// package with scripts/v86-node/setup.sh when it is missing.
func findNode(ctx context.Context, o Options) (*nodeHarness, error) {
	h := &nodeHarness{script: o.Harness}
	if h.script == "" {
		h.script = findUpward(filepath.Join("scripts", "v86-node", "run.mjs"))
		if h.script == "" {
			return nil, fmt.Errorf("bench: scripts/v86-node/run.mjs not found above the working directory or the executable (run from the source tree)")
		}
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(h.script)))
	h.lib = filepath.Join(root, "third_party", "node_modules", "v86", "build", "libv86.mjs")
	h.wasm = filepath.Join(filepath.Dir(h.lib), "v86.wasm")
	if _, err := os.Stat(h.lib); err != nil {
		setup := filepath.Join(filepath.Dir(h.script), "setup.sh")
		cmd := exec.CommandContext(ctx, setup)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("bench: installing the v86 npm package (%s): %w", setup, err)
		}
	}
	if err := exec.CommandContext(ctx, o.Node, "--version").Run(); err != nil {
		return nil, fmt.Errorf("bench: %s --version: %w (Node.js is needed for --vs-v86-node)", o.Node, err)
	}
	return h, nil
}

// findUpward looks for rel in the working directory, the executable's
// directory and their parents.
func findUpward(rel string) string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		for {
			p := filepath.Join(d, rel)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return ""
}

// Host describes the machine the figures come from.
type Host struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	OS     string `json:"os"`
	Go     string `json:"go"`
	Node   string `json:"node,omitempty"`
	Kernel string `json:"kernel,omitempty"`
	// LoadBefore and LoadAfter are the 1-minute load average when the
	// measuring began and ended: other work on the machine skews figures.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

// loadAverage returns the 1-, 5- and 15-minute load averages, "" if unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func hostInfo(o Options) Host {
	h := Host{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	h.LoadBefore = loadAverage()
	if o.VsNode {
		if out, err := exec.Command(o.Node, "--version").Output(); err == nil {
			h.Node = strings.TrimSpace(string(out))
		}
	}
	return h
}
