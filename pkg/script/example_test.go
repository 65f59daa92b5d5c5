package script_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/script"
)

// freedosImage is the FreeDOS floppy of the shared test images, found by
// TestMain for the examples.
var freedosImage string

// bootingExamples are the examples that boot a guest.
const bootingExamples = `^Example_(freeDOS|script)$`

// TestMain skips the examples that boot a guest under -short (they need
// the CPU core, SeaBIOS and the shared images, which -short goes without)
// and finds the FreeDOS image for them otherwise.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		skip := bootingExamples
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
	} else {
		freedosImage = sharedImage("freedos722.img")
	}
	os.Exit(m.Run())
}

// sharedImage is the path of a shared test image: $DO86_TEST_IMAGES, else
// ../shared/images beside the repository (as internal/testenv finds them).
func sharedImage(name string) string {
	if dir := os.Getenv("DO86_TEST_IMAGES"); dir != "" {
		return filepath.Join(dir, name)
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "images", name)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return name
		}
		dir = parent
	}
}

// Boot FreeDOS, type a command at its prompt and read the answer off the
// text screen.
func Example_freeDOS() {
	ctx := context.Background()
	cfg, err := emu.Resolve(ctx, emu.Request{Image: freedosImage})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := script.Start(cfg, script.Options{Timeout: 2 * time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	if _, err := s.WaitText(ctx, regexp.MustCompile(`A:\\>`)); err != nil {
		fmt.Println(err)
		return
	}
	s.Type("dir\n")
	screen, err := s.WaitText(ctx, regexp.MustCompile(`bytes free`))
	if err != nil {
		fmt.Println(err)
		return
	}
	line := regexp.MustCompile(`(?m)^COMMAND +COM +[\d,]+`).FindString(screen)
	fmt.Println(strings.Fields(line))
	// Output: [COMMAND COM 66,090]
}

// Run a script: each step's result as it ends, as TAP.
func Example_script() {
	sc, err := script.Parse(strings.NewReader(`
timeout 2m
wait text 'A:\\>'
type "ver\n"
wait text 'FreeCom version'
assert not text 'Bad command'
`), "ver.do86", ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := emu.Resolve(context.Background(), emu.Request{Image: freedosImage})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := script.Start(cfg, script.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	res := s.Run(context.Background(), sc, func(r script.StepResult) {
		fmt.Printf("%s: %s\n", r.Step, r.Status)
	})
	fmt.Println(res.Status())
	// Output:
	// line 3: wait text 'A:\\>': passed
	// line 4: type "ver\n": passed
	// line 5: wait text 'FreeCom version': passed
	// line 6: assert not text 'Bad command': passed
	// passed
}

// Parse a script and list its steps.
func ExampleParse() {
	sc, err := script.Parse(strings.NewReader(`# boot.do86
timeout 90s
wait serial 'login: '   # the serial console's prompt
send "root\n"
mouse click 237 27 count=2
`), "boot.do86", ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range sc.Steps {
		fmt.Printf("%s (at most %s)\n", st, st.Timeout)
	}
	_, err = script.Parse(strings.NewReader("wait text 'A:'\nwiat serial x\n"), "typo.do86", ".")
	fmt.Println(err)
	// Output:
	// line 3: wait serial 'login: ' (at most 1m30s)
	// line 4: send "root\n" (at most 1m30s)
	// line 5: mouse click 237 27 count=2 (at most 1m30s)
	// typo.do86:2: unknown step "wiat" (did you mean wait?); steps: test, timeout, wait, sleep, type, key, send, mouse, screenshot, save, restore, assert, poweroff
}
