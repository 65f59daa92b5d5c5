package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestScriptFlagChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		f    runFlags
		want string // "" for accepted
	}{
		{runFlags{script: "s.do86"}, ""},
		{runFlags{script: "s.do86", report: filepath.Join(dir, "j.xml"), record: filepath.Join(dir, "r.png"), serial: "out.log"}, ""},
		{runFlags{record: filepath.Join(dir, "r.png")}, ""},
		{runFlags{report: filepath.Join(dir, "j.xml")}, "--report is the report of a --script run"},
		{runFlags{script: "s.do86", report: filepath.Join(dir, "no", "j.xml")}, "--report " + filepath.Join(dir, "no", "j.xml") + ": the directory"},
		{runFlags{record: filepath.Join(dir, "no", "r.png")}, "--record " + filepath.Join(dir, "no", "r.png") + ": the directory"},
		{runFlags{script: "s.do86", untilText: "x"}, "have no meaning with --script"},
		{runFlags{script: "s.do86", serial: "stdio"}, "--serial stdio and --script both write to stdout"},
	} {
		err := tc.f.checkScript()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: refused: %v", tc.f, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.want)
		}
	}
}
