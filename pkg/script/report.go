package script

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// TAP writes a run's progress as TAP version 13 (the Test Anything
// Protocol), one line a step as it ends — readable as it is, and parsed by
// TAP consumers — with a YAML block under a step that failed or erred, and
// a summary comment at the end.
type TAP struct {
	w io.Writer
}

// NewTAP writes the TAP header and plan for sc to w.
func NewTAP(w io.Writer, sc *Script) *TAP {
	fmt.Fprintf(w, "TAP version 13\n1..%d\n", len(sc.Steps))
	return &TAP{w: w}
}

// Step writes one step's line (a progress function for Session.Run).
func (t *TAP) Step(r StepResult) {
	desc := tapEscape(r.Step.String())
	n := r.Index + 1
	switch r.Status {
	case Passed:
		fmt.Fprintf(t.w, "ok %d - %s (%s)\n", n, desc, seconds(r.Duration))
	case Skipped:
		fmt.Fprintf(t.w, "ok %d - %s # SKIP %s\n", n, desc, skipReason)
	default:
		fmt.Fprintf(t.w, "not ok %d - %s (%s)\n", n, desc, seconds(r.Duration))
		fmt.Fprintf(t.w, "  ---\n  message: %s\n  severity: %s\n", yamlQuote(r.Err.Error()), severity(r.Status))
		if r.Step.Line > 0 {
			fmt.Fprintf(t.w, "  line: %d\n", r.Step.Line)
		}
		fmt.Fprintf(t.w, "  duration_ms: %d\n  ...\n", r.Duration.Milliseconds())
	}
}

// End writes the summary comment and where the artifacts are.
func (t *TAP) End(res *Result) {
	fmt.Fprintf(t.w, "# %s: %s in %s\n", res.Script.Name, summary(res), seconds(res.Duration))
	for _, a := range res.Artifacts {
		fmt.Fprintf(t.w, "# kept %s\n", a)
	}
}

// skipReason says why a step was skipped: a step before it in its test,
// or in the setup, failed or erred.
const skipReason = "a step before it did not pass"

// summary counts a run's steps: "5 passed, 1 failed, 2 skipped".
func summary(res *Result) string {
	s := fmt.Sprintf("%d passed, %d failed", res.Count(Passed), res.Count(Failed))
	if n := res.Count(Errored); n > 0 {
		s += fmt.Sprintf(", %d errors", n)
	}
	return s + fmt.Sprintf(", %d skipped", res.Count(Skipped))
}

func severity(st Status) string {
	if st == Failed {
		return "fail"
	}
	return "error"
}

// tapEscape keeps a description on one line and its '#' from starting a
// directive (backslashes stay as written, for people to read).
func tapEscape(s string) string {
	s = strings.ReplaceAll(s, "#", "\\#")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// yamlQuote writes s as a YAML scalar: a plain one when safe, else a
// literal block (multi-line) or a double-quoted string.
func yamlQuote(s string) string {
	if strings.Contains(s, "\n") {
		var b strings.Builder
		b.WriteString("|-\n")
		for _, l := range strings.Split(s, "\n") {
			b.WriteString("    " + strings.Map(printable, l) + "\n")
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	return fmt.Sprintf("%q", s)
}

// printable replaces control characters but tab and newline (a guest's
// escape sequences) by U+FFFD in reports.
func printable(r rune) rune {
	if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
		return '\uFFFD'
	}
	return r
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// JUnit XML, as CI systems read it (Jenkins, GitLab, GitHub actions that
// publish test reports): a testsuite a script, a testcase a step, named by
// its line and source; a step that failed has a <failure>, one that erred
// an <error>, one not run a <skipped>. The artifacts of a failed run are
// named in the failing testcase's system-out as [[ATTACHMENT|path]], which
// Jenkins and GitLab show.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the runs as a JUnit XML report.
func WriteJUnit(w io.Writer, runs ...*Result) error {
	all := junitSuites{Name: "do86"}
	var total time.Duration
	for _, res := range runs {
		su := junitSuite{Name: res.Script.Name, Time: xmlSeconds(res.Duration), Timestamp: res.Start.UTC().Format("2006-01-02T15:04:05")}
		for _, r := range res.Steps {
			c := junitCase{Classname: res.Script.Name, Name: r.Step.String(), Time: xmlSeconds(r.Duration)}
			if r.Step.Line > 0 {
				c.File, c.Line = res.Script.Name, r.Step.Line
			}
			switch r.Status {
			case Failed, Errored:
				msg := strings.Map(printable, r.Err.Error())
				first, _, _ := strings.Cut(msg, "\n")
				p := &junitProblem{Message: fmt.Sprintf("%s: %s", r.Step, first), Type: "failure",
					Text: fmt.Sprintf("%s:%d: %s\n%s", res.Script.Name, r.Step.Line, r.Step.Source, msg)}
				if r.Status == Failed {
					c.Failure = p
					su.Failures++
				} else {
					p.Type = "error"
					c.Error = p
					su.Errors++
				}
				for _, a := range res.Artifacts {
					c.SystemOut += "[[ATTACHMENT|" + a + "]]\n"
				}
			case Skipped:
				c.Skipped = &junitSkipped{Message: "not run: " + skipReason}
				su.Skipped++
			}
			su.Cases = append(su.Cases, c)
		}
		su.Tests = len(su.Cases)
		all.Tests += su.Tests
		all.Failures += su.Failures
		all.Errors += su.Errors
		all.Skipped += su.Skipped
		total += res.Duration
		all.Suites = append(all.Suites, su)
	}
	all.Time = xmlSeconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func xmlSeconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
