package e2e

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

// Issue 21's acceptance: scripts run by `do86 run IMAGE --script FILE`
// against the shared images, with their TAP output, exit codes and JUnit
// reports checked.

// junitReport is what the tests read of a JUnit XML report.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Line    int    `xml:"line,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped   *struct{} `xml:"skipped"`
			SystemOut string    `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r junitReport
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("the report is not XML: %v\n%s", err, b)
	}
	return r
}

// writeScript writes a script file into dir.
func writeScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tapOK checks that every step of a TAP output passed.
func tapOK(t *testing.T, out string, steps int) {
	t.Helper()
	if !strings.HasPrefix(out, "TAP version 13\n1..") {
		t.Errorf("stdout does not start as TAP:\n%s", out)
	}
	if n := len(regexp.MustCompile(`(?m)^ok \d+ - line \d+: .* \(\d+\.\d\ds\)$`).FindAllString(out, -1)); n != steps {
		t.Errorf("%d steps passed, want %d:\n%s", n, steps, out)
	}
	if strings.Contains(out, "not ok") {
		t.Errorf("a step did not pass:\n%s", out)
	}
}

// TestScriptFreeDOSDir boots FreeDOS, types dir and checks the listing, with
// a JUnit report and a recording of the run.
func TestScriptFreeDOSDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sc := writeScript(t, dir, "dir.do86", `# FreeDOS lists its floppy
timeout 120s
wait text 'A:\\>'                  # the prompt after AUTOEXEC.BAT
type "dir\n"
wait text '(?m)^ +\d+ file\(s\) +[\d,]+ bytes$' timeout=30s
assert text '(?m)^COMMAND +COM +66,090 ' "COMMAND.COM is not listed"
assert text '(?m)^AUTOEXEC +BAT '
assert not text 'File not found'
screenshot dir.png
`)
	report, rec := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "run.png")
	r := do86(t, 240*time.Second, "run", testenv.Image(t, "freedos722.img"), "--script", sc, "--report", report, "--record", rec)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	tapOK(t, r.stdout, 7)
	j := readJUnit(t, report)
	if j.Tests != 7 || j.Failures != 0 || j.Errors != 0 || j.Skipped != 0 || len(j.Suites) != 1 {
		t.Errorf("report: %d tests, %d failures, %d errors, %d skipped, %d suites; want 7 passing in one suite", j.Tests, j.Failures, j.Errors, j.Skipped, len(j.Suites))
	}
	if c := j.Suites[0].Cases[0]; c.Line != 3 || c.Name != `line 3: wait text 'A:\\>'` {
		t.Errorf("first testcase %q line %d", c.Name, c.Line)
	}
	shot := loadPNG(t, filepath.Join(dir, "dir.png"))
	if shot.Rect.Dx() != 720 || shot.Rect.Dy() != 400 {
		t.Errorf("screenshot is %v, want 720x400 text", shot.Rect)
	}
	// The recording is an APNG of the run: several frames, ending on the
	// listing (its default image, the last screen, is the screenshot).
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || !bytes.Contains(b[:64], []byte("acTL")) || bytes.Count(b, []byte("fcTL")) < 3 {
		t.Errorf("the recording is not an animated PNG of several frames")
	}
	last := loadPNG(t, rec)
	if d, err := display.MeanDifference(last, shot); err != nil || d > 0.5 {
		t.Errorf("the recording's last screen differs from the screenshot: %.2f (%v)", d, err)
	}
	if !strings.Contains(r.stderr, "do86: recorded "+rec) {
		t.Errorf("no recording summary on stderr: %s", r.stderr)
	}
}

// TestScriptLinuxSerial boots the Linux CD and runs commands on its serial
// shell.
func TestScriptLinuxSerial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The shell on ttyS0 starts after DO86-LINUX-READY; the 8250 driver
	// empties the UART's FIFO when the shell opens the port, so send only
	// once its prompt is there.
	sc := writeScript(t, dir, "linux.do86", `timeout 300s
wait serial 'DO86-LINUX-READY'
wait serial 'do86:/# '
send "uname -a\n"
wait serial 'Linux do86 6\.1\.0-\S+ .* i686' timeout=60s
send "echo $((6*7)) > /tmp/x; cat /tmp/x\n"
wait serial '(?m)^42\r?$' timeout=60s
assert serial 'ISOLINUX' "the CD's boot loader did not run"
assert not serial 'Kernel panic'
`)
	r := do86(t, 420*time.Second, "run", testenv.Image(t, "linux.iso"), "--script", sc, "--serial", filepath.Join(dir, "com1.log"))
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	tapOK(t, r.stdout, 8)
	log, err := os.ReadFile(filepath.Join(dir, "com1.log"))
	if err != nil || !strings.Contains(string(log), "Linux do86 6.1.0") {
		t.Errorf("--serial FILE lacks the uname output (%v)", err)
	}
}

// TestScriptKolibriClick boots KolibriOS to its desktop, clicks the CALC+
// icon and checks the calculator's window: testdata/kolibri-calc.png is
// that window as QEMU showed it after the same click (the procedure is in
// testdata/README.md).
func TestScriptKolibriClick(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	calc, err := filepath.Abs(filepath.Join("testdata", "kolibri-calc.png"))
	if err != nil {
		t.Fatal(err)
	}
	sc := writeScript(t, dir, "kolibri.do86", `timeout 300s
wait screen '`+testenv.Image(t, "kolibri.png")+`' tolerance=2   # the desktop
mouse click 237 27                                  # the CALC+ icon
wait screen '`+calc+`' at=264,199 tolerance=0.5 timeout=60s
screenshot calc.png
`)
	report := filepath.Join(dir, "junit.xml")
	r := do86(t, 420*time.Second, "run", testenv.Image(t, "kolibri.img"), "--script", sc, "--report", report)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	tapOK(t, r.stdout, 4)
}

// TestScriptFails checks that a failing step fails the run: exit code 3, a
// TAP "not ok", a JUnit failure naming the step and its line, the steps
// after it skipped, and the screen and COM1 log kept beside the report; a
// step that cannot be carried out exits 1 with a JUnit error; a bad
// script exits 1 naming its line before anything boots.
func TestScriptFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sc := writeScript(t, dir, "fails.do86", `timeout 120s
wait text 'A:\\>'
type "dir\n"
wait text 'bytes free'
assert text 'KERNEL +SYS' "KERNEL.SYS is listed"   # it is hidden: this fails
screenshot never.png
`)
	report := filepath.Join(dir, "out", "junit.xml")
	os.Mkdir(filepath.Dir(report), 0o755)
	r := do86(t, 240*time.Second, "run", testenv.Image(t, "freedos722.img"), "--script", sc, "--report", report)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (a failed step)\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "not ok 4 - line 5: assert text 'KERNEL +SYS'") || !strings.Contains(r.stdout, "ok 5 - line 6: screenshot never.png # SKIP") {
		t.Errorf("TAP output:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "fails.do86:5: assert text") {
		t.Errorf("stderr does not name the failed step: %s", r.stderr)
	}
	j := readJUnit(t, report)
	if j.Tests != 5 || j.Failures != 1 || j.Errors != 0 || j.Skipped != 1 {
		t.Fatalf("report: %d tests, %d failures, %d errors, %d skipped; want 5, 1, 0, 1", j.Tests, j.Failures, j.Errors, j.Skipped)
	}
	c := j.Suites[0].Cases[3]
	if c.Failure == nil || c.Line != 5 || !strings.HasPrefix(c.Failure.Message, `line 5: assert text 'KERNEL +SYS' "KERNEL.SYS is listed": KERNEL.SYS is listed`) ||
		!strings.Contains(c.Failure.Text, "bytes free") {
		t.Errorf("failing testcase: %+v", c)
	}
	if j.Suites[0].Cases[4].Skipped == nil {
		t.Error("the step after the failure is not skipped")
	}
	for _, kept := range []string{"junit-screen.png", "junit-serial.log"} {
		p := filepath.Join(dir, "out", kept)
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s not kept: %v", kept, err)
		}
		if !strings.Contains(c.SystemOut, "[[ATTACHMENT|"+p+"]]") {
			t.Errorf("the failure does not list %s: %q", p, c.SystemOut)
		}
	}
	if shot := loadPNG(t, filepath.Join(dir, "out", "junit-screen.png")); shot.Rect.Dx() != 720 {
		t.Errorf("the kept screen is %v", shot.Rect)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.png")); err == nil {
		t.Error("a step after the failure ran")
	}

	// A step that cannot be done: a snapshot the store lacks.
	errs := writeScript(t, dir, "errs.do86", "wait text 'A:' timeout=120s\nrestore nosuch\n")
	report2 := filepath.Join(dir, "errs.xml")
	r = do86(t, 240*time.Second, "run", testenv.Image(t, "freedos722.img"), "--script", errs, "--report", report2,
		"--store", filepath.Join(dir, "store.db"))
	if r.code != 1 || !strings.Contains(r.stderr, "errs.do86:2: ") {
		t.Errorf("exit %d, want 1 naming line 2\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if j := readJUnit(t, report2); j.Errors != 1 || j.Failures != 0 || j.Suites[0].Cases[1].Error == nil {
		t.Errorf("report: %+v", j)
	}

	// A bad script: refused before anything boots.
	bad := writeScript(t, dir, "bad.do86", "wait text x\nwiat text y\n")
	r = do86(t, 60*time.Second, "run", testenv.Image(t, "freedos722.img"), "--script", bad)
	if r.code != 1 || !strings.Contains(r.stderr, `bad.do86:2: unknown step "wiat" (did you mean wait?)`) || r.stdout != "" {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// TestScriptSuite runs a suite: FreeDOS boots once and is saved, and three
// tests start from the snapshot; the one that fails skips only its own
// remaining steps.
func TestScriptSuite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sc := writeScript(t, dir, "suite.do86", `timeout 120s
wait text 'A:\\>'
save booted

test echo
restore booted
type "echo suite-one\n"
wait text '(?m)^suite-one'

test a wrong version
restore booted
type "ver\n"
wait text 'FreeCom version 9' timeout=5s
assert text 'never checked'

test the listing after a restore
restore booted
assert not text 'suite-one'       # the first test's output is gone
type "dir\n"
wait text 'bytes free'
`)
	report := filepath.Join(dir, "junit.xml")
	r := do86(t, 240*time.Second, "run", testenv.Image(t, "freedos722.img"), "--script", sc, "--report", report,
		"--store", filepath.Join(dir, "store.db"))
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"ok 5 - echo: line 8: wait text '(?m)^suite-one'",
		"not ok 8 - a wrong version: line 13: wait text 'FreeCom version 9' timeout=5s",
		"ok 9 - a wrong version: line 14: assert text 'never checked' # SKIP",
		"ok 10 - the listing after a restore: line 17: restore booted (",
		"ok 11 - the listing after a restore: line 18: assert not text 'suite-one'",
		"ok 13 - the listing after a restore: line 20: wait text 'bytes free' (",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if j := readJUnit(t, report); j.Tests != 13 || j.Failures != 1 || j.Skipped != 1 {
		t.Errorf("report: %d tests, %d failures, %d skipped; want 13, 1, 1", j.Tests, j.Failures, j.Skipped)
	}
}
