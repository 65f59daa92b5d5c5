package e2e

import (
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// console drives a serial shell: a process whose stdin and stdout are the
// guest's COM1 (do86 run --serial stdio, or QEMU's -serial stdio).
type console struct {
	t      testing.TB
	cmd    *exec.Cmd
	in     io.WriteCloser
	stderr *syncBuf

	mu     sync.Mutex
	out    []byte
	mark   int // output before it has been matched
	exited bool
	news   chan struct{}
	seq    int
	done   chan struct{} // closed when the process has exited, err set
	err    error
}

// startConsole starts name with args and reads its stdout.
func startConsole(t testing.TB, name string, args ...string) *console {
	t.Helper()
	c := &console{t: t, cmd: exec.Command(name, args...), stderr: &syncBuf{}, news: make(chan struct{}, 1)}
	c.cmd.Stderr = c.stderr
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		defer func() { c.err = c.cmd.Wait() }()
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			c.mu.Lock()
			c.out = append(c.out, buf[:n]...)
			if err != nil {
				c.exited = true
			}
			c.mu.Unlock()
			select {
			case c.news <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		c.in.Close()
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// wait waits up to d for the process to exit and returns how it did.
func (c *console) wait(d time.Duration) error {
	c.t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(d):
		c.t.Fatalf("the process did not exit within %v; stderr:\n%s", d, c.stderr.String())
		return nil
	}
}

// expect waits up to d for re to match the output not matched yet, and
// returns the submatches; the output up to the match's end counts as read.
func (c *console) expect(re *regexp.Regexp, d time.Duration) []string {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		c.mu.Lock()
		rest := c.out[c.mark:]
		loc := re.FindSubmatchIndex(rest)
		exited := c.exited
		if loc != nil {
			var subs []string
			for i := 0; i < len(loc); i += 2 {
				s := ""
				if loc[i] >= 0 {
					s = string(rest[loc[i]:loc[i+1]])
				}
				subs = append(subs, s)
			}
			c.mark += loc[1]
			c.mu.Unlock()
			return subs
		}
		c.mu.Unlock()
		if exited || time.Now().After(deadline) {
			c.t.Fatalf("waited %v for %q (exited: %v); stderr:\n%s\nserial tail:\n%s", d, re, exited, c.stderr.String(), lastLines(c.tail(), 30))
		}
		select {
		case <-c.news:
		case <-time.After(time.Until(deadline)):
		}
	}
}

func (c *console) tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.out[max(0, len(c.out)-8192):])
}

var prompt = regexp.MustCompile(`do86:/# `)

// run types a command at the shell prompt and returns what it printed
// (with the echo of the line typed), once a marker echoed after it shows
// it finished, and the prompt is back.
func (c *console) run(cmd string, d time.Duration) string {
	c.t.Helper()
	c.seq++
	n := 1000 + c.seq
	// The marker is computed by the shell, so the echo of the typed line
	// never matches it.
	fmt.Fprintf(c.in, "%s; echo =$((%d+1))=\n", cmd, n-1)
	out := c.expect(regexp.MustCompile(fmt.Sprintf(`(?s)^(.*?)=%d=\r?\n`, n)), d)[1]
	c.expect(prompt, 60*time.Second)
	return strings.ReplaceAll(out, "\r", "")
}
