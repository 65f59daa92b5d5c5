package script_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/script"
)

// result is a run of three steps: one passed, one failed with a
// multi-line message holding a guest's control characters, one skipped.
func result(t *testing.T) *script.Result {
	sc := parse(t, "", "wait text 'A:\\\\>'\nassert text '# done' \"not done\"\nscreenshot x.png\n")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &script.Result{
		Script: sc, Start: t0, Duration: 2500 * time.Millisecond,
		Steps: []script.StepResult{
			{Index: 0, Step: sc.Steps[0], Status: script.Passed, Start: t0, Duration: 1234 * time.Millisecond},
			{Index: 1, Step: sc.Steps[1], Status: script.Failed, Err: &script.Failure{Msg: "not done\nthe screen ends:\n    A:\\>\x1b[2J"},
				Start: t0.Add(time.Second), Duration: 20 * time.Millisecond},
			{Index: 2, Step: sc.Steps[2], Status: script.Skipped},
		},
		Artifacts: []string{"/r/junit-screen.png", "/r/junit-serial.log"},
	}
}

func TestTAP(t *testing.T) {
	t.Parallel()
	res := result(t)
	var b bytes.Buffer
	tap := script.NewTAP(&b, res.Script)
	for _, r := range res.Steps {
		tap.Step(r)
	}
	tap.End(res)
	want := `TAP version 13
1..3
ok 1 - line 1: wait text 'A:\\>' (1.23s)
not ok 2 - line 2: assert text '\# done' "not done" (0.02s)
  ---
  message: |-
    not done
    the screen ends:
        A:\>` + "\uFFFD" + `[2J
  severity: fail
  line: 2
  duration_ms: 20
  ...
ok 3 - line 3: screenshot x.png # SKIP a step before it did not pass
# t.do86: 1 passed, 1 failed, 1 skipped in 2.50s
# kept /r/junit-screen.png
# kept /r/junit-serial.log
`
	if b.String() != want {
		t.Errorf("TAP:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJUnit(t *testing.T) {
	t.Parallel()
	res := result(t)
	erred := result(t)
	erred.Steps[1].Status, erred.Steps[1].Err = script.Errored, errors.New("snapshot \"x\" not found")
	erred.Script.Name = "e.do86"
	var b bytes.Buffer
	if err := script.WriteJUnit(&b, res, erred); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", b.String())
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []struct {
			Name      string `xml:"name,attr"`
			Tests     int    `xml:"tests,attr"`
			Failures  int    `xml:"failures,attr"`
			Errors    int    `xml:"errors,attr"`
			Timestamp string `xml:"timestamp,attr"`
			Cases     []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Time      string `xml:"time,attr"`
				File      string `xml:"file,attr"`
				Line      int    `xml:"line,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 6 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 2 || doc.Time != "5.000" || len(doc.Suites) != 2 {
		t.Fatalf("totals: %+v", doc)
	}
	s := doc.Suites[0]
	if s.Name != "t.do86" || s.Tests != 3 || s.Failures != 1 || s.Timestamp != "2026-01-02T03:04:05" {
		t.Errorf("suite: %s %d tests %d failures at %s", s.Name, s.Tests, s.Failures, s.Timestamp)
	}
	c0, c1, c2 := s.Cases[0], s.Cases[1], s.Cases[2]
	if c0.Name != `line 1: wait text 'A:\\>'` || c0.Classname != "t.do86" || c0.Time != "1.234" || c0.File != "t.do86" || c0.Line != 1 || c0.Failure != nil || c0.Skipped != nil {
		t.Errorf("passed case: %+v", c0)
	}
	if c1.Failure == nil || c1.Line != 2 || c1.Failure.Message != `line 2: assert text '# done' "not done": not done` ||
		!strings.HasPrefix(c1.Failure.Text, "t.do86:2: assert text '# done' \"not done\"\nnot done\nthe screen ends:") ||
		strings.ContainsRune(c1.Failure.Text, '\x1b') {
		t.Errorf("failed case: %+v", c1.Failure)
	}
	if c1.SystemOut != "[[ATTACHMENT|/r/junit-screen.png]]\n[[ATTACHMENT|/r/junit-serial.log]]\n" {
		t.Errorf("failed case's system-out: %q", c1.SystemOut)
	}
	if c2.Skipped == nil || c2.SystemOut != "" {
		t.Errorf("skipped case: %+v", c2)
	}
	if e := doc.Suites[1].Cases[1]; e.Error == nil || e.Failure != nil || !strings.Contains(e.Error.Message, `snapshot "x" not found`) {
		t.Errorf("erred case: %+v", e)
	}
}

func TestResultStatus(t *testing.T) {
	t.Parallel()
	res := result(t)
	if res.Status() != script.Failed || res.Count(script.Skipped) != 1 || res.FirstProblem().Index != 1 || res.Crashed() {
		t.Errorf("status %v, skipped %d, first problem %v, crashed %v", res.Status(), res.Count(script.Skipped), res.FirstProblem(), res.Crashed())
	}
	if (&script.Result{}).Status() != script.Passed {
		t.Error("an empty run did not pass")
	}
}
