package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/pkg/emu"
)

func TestErrorsSpeakInFlags(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want string
	}{
		{&emu.FieldError{Field: "Initrd", Msg: "and Modules need a kernel (Kernel or Multiboot)"},
			"--initrd and --module need a kernel (--kernel or --multiboot)"},
		{&emu.FieldError{Field: "Memory", Value: "4096M", Msg: "is more than the CPU core supports (at most 2047M)"},
			`--memory "4096M": is more than the CPU core supports (at most 2047M)`},
		{errors.New("Kernel: a plain error is left alone"), "Kernel: a plain error is left alone"},
	} {
		if got := asFlags(tc.in).Error(); got != tc.want {
			t.Errorf("asFlags(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRunFlagChecks(t *testing.T) {
	for _, tc := range []struct {
		f  runFlags
		ok bool
	}{
		{runFlags{}, true},
		{runFlags{timeout: -1}, false},
		{runFlags{save: "x", persist: true}, false},
		{runFlags{resume: "x", boot: "fda"}, false},
		{runFlags{vnc: "host:port"}, false},
	} {
		if err := tc.f.check(); (err == nil) != tc.ok {
			t.Errorf("check(%+v) = %v, want ok=%v", tc.f, err, tc.ok)
		}
	}
	for _, s := range []string{"NaN", "-1", "Inf", "x"} {
		if _, ok := parseTolerance(s); ok {
			t.Errorf("tolerance %q accepted", s)
		}
	}
}

func TestVersionFlagAndMan(t *testing.T) {
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetArgs([]string{"--version"})
	if err := root.Execute(); err != nil || !strings.HasPrefix(out.String(), "do86 ") || !strings.Contains(out.String(), "core: v86") {
		t.Fatalf("--version: %v, %q", err, out.String())
	}
	dir := t.TempDir()
	root = newRootCmd()
	root.SetOut(&out)
	root.SetArgs([]string{"man", dir})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "do86-run.1"))
	if err != nil || !bytes.Contains(b, []byte("--until-serial")) {
		t.Fatalf("do86-run.1: %v, %d bytes", err, len(b))
	}
}
