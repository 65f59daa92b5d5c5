package layers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/do86/do86/internal/testenv"
)

const module = "github.com/do86/do86/"

// pkg is what go list says of a package.
type pkg struct {
	ImportPath string
	Imports    []string
}

// packages lists the module's packages with their imports (tests' imports
// not included: a test may drive whatever it checks).
func packages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "./...")
	cmd.Dir = testenv.Root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 20 {
		t.Fatalf("go list found %d packages", len(ps))
	}
	return ps
}

// chip returns the chip a package path belongs to ("" when none).
func chip(path string) string {
	rest, ok := strings.CutPrefix(path, module+"internal/dev/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func TestImportRules(t *testing.T) {
	for _, p := range packages(t) {
		own := chip(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if c := chip(imp); c != "" && own != "" && c != own && own != "states" {
				t.Errorf("chip %s imports chip %s (%s)", p.ImportPath, c, imp)
			}
			sink := strings.HasPrefix(p.ImportPath, module+"pkg/display")
			if sink && (imp == module+"pkg/emu" || strings.HasPrefix(imp, module+"internal/core") || chip(imp) != "") {
				t.Errorf("sink %s imports %s", p.ImportPath, imp)
			}
			if strings.HasPrefix(imp, module+"cmd/") {
				t.Errorf("%s imports the command %s", p.ImportPath, imp)
			}
			lower := strings.HasPrefix(p.ImportPath, module+"internal/") && p.ImportPath != module+"internal/bench"
			if lower && imp == module+"pkg/emu" {
				t.Errorf("%s (a layer below the machine) imports pkg/emu", p.ImportPath)
			}
		}
	}
}
