package script_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/script"
)

// outcome is an action that passes, fails or errs as told, and counts runs.
type outcome struct {
	err  error
	runs *int
}

func (o outcome) Run(context.Context, *script.Session) error {
	*o.runs++
	return o.err
}

// TestRunTests checks the order of a run with tests: a failure skips the
// rest of its test only, a failure in the setup or a crash skips all.
func TestRunTests(t *testing.T) {
	t.Parallel()
	fail := &script.Failure{Msg: "no"}
	crash := fmt.Errorf("core: %w", emu.ErrCrash)
	for _, tc := range []struct {
		name  string
		steps []struct {
			test string
			err  error
		}
		want string // the statuses, one letter a step
	}{
		{"all pass", steps("", nil, "a", nil, "b", nil), "PPP"},
		{"a test fails", steps("", nil, "a", fail, "a", nil, "b", nil, "b", nil), "PFSPP"},
		{"a test errs", steps("a", errors.New("x"), "a", nil, "b", fail, "c", nil), "ESFP"},
		{"the setup fails", steps("", nil, "", fail, "a", nil, "b", nil), "PFSS"},
		{"a crash", steps("a", nil, "a", crash, "b", nil), "PES"},
		{"no tests", steps("", nil, "", fail, "", nil), "PFS"},
	} {
		var runs int
		sc := &script.Script{Name: "t.do86"}
		for i, st := range tc.steps {
			sc.Steps = append(sc.Steps, script.Step{Line: i + 1, Source: "x", Timeout: time.Second, Test: st.test,
				Action: outcome{err: st.err, runs: &runs}})
		}
		var seen []string
		res := (&script.Session{}).Run(context.Background(), sc, func(r script.StepResult) { seen = append(seen, r.Step.String()) })
		got := ""
		for _, r := range res.Steps {
			got += strings.ToUpper(r.Status.String()[:1])
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if len(seen) != len(sc.Steps) {
			t.Errorf("%s: progress saw %d steps of %d", tc.name, len(seen), len(sc.Steps))
		}
		if ran := strings.Count(got, "P") + strings.Count(got, "F") + strings.Count(got, "E"); runs != ran {
			t.Errorf("%s: %d actions ran, %d results say so", tc.name, runs, ran)
		}
	}
}

func steps(a ...any) []struct {
	test string
	err  error
} {
	var out []struct {
		test string
		err  error
	}
	for i := 0; i < len(a); i += 2 {
		e, _ := a[i+1].(error)
		out = append(out, struct {
			test string
			err  error
		}{a[i].(string), e})
	}
	return out
}

func TestParseTests(t *testing.T) {
	t.Parallel()
	sc := parse(t, "", "wait text x\ntest the dir listing\nrestore booted\n\ntest ver  # a comment\ntype ver\n")
	if len(sc.Steps) != 3 || sc.Steps[0].Test != "" || sc.Steps[1].Test != "the dir listing" || sc.Steps[2].Test != "ver" {
		t.Fatalf("steps: %+v", sc.Steps)
	}
	if s := sc.Steps[1].String(); s != "the dir listing: line 3: restore booted" {
		t.Errorf("String() = %q", s)
	}
	for _, c := range []struct{ text, want string }{
		{"test", "t.do86:1: test: NAME is missing"},
		{"test a\ntest a", `t.do86:2: test "a" is named on line 1 already`},
		{"test a timeout=1s", "t.do86:1: test: NAME is missing"},
	} {
		if _, err := script.Parse(strings.NewReader(c.text), "t.do86", ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
