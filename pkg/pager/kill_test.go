package pager_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/do86/do86/pkg/pager"
)

// killChildEnv, when set to a store path, makes TestKillDuringSave the child:
// it saves snapshots into the store until killed.
const killChildEnv = "DO86_PAGER_KILL_CHILD"

// childMem is the memory of the child's n-th snapshot: a common part every
// snapshot shares and 6000 pages of its own (so that every save streams
// pages in several transactions before committing).
func childMem(n int) mem {
	common := newMem(600, 99)
	own := newMem(9000, uint64(1000+n))
	return append(common, own...)
}

func killChild(path string) {
	s, err := pager.OpenWith(path, pager.Options{}) // random pages do not compress
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	infos, _ := s.List()
	for n := len(infos); ; n++ {
		name := fmt.Sprintf("s%03d", n)
		snap := childMem(n).snapshot()
		fmt.Println("saving", name)
		t0 := time.Now()
		if _, err := s.Save(name, snap); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("saved", name, time.Since(t0).Nanoseconds())
	}
}

// TestKillDuringSave kills (SIGKILL) a process that saves snapshots in a
// loop, at several moments of a save, and checks that every snapshot it
// finished still loads and verifies, that the one it was writing is either
// whole or absent, and that the garbage of the interrupted save is gone.
func TestKillDuringSave(t *testing.T) {
	if p := os.Getenv(killChildEnv); p != "" {
		killChild(p)
		return
	}
	path := filepath.Join(t.TempDir(), "store.db")
	saved := map[string]bool{}
	recovered := 0
	// Kill at moments spread over a save (as long as the child's saves
	// take), at least six times and until a kill has caught a save between
	// its streamed batches and its commit.
	var saveTime time.Duration
	for round := 0; round < 6 || recovered == 0 && round < 18; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringSave$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it finish two saves, then kill it a little into the next.
		done := 0
		var inFlight string
		timeout := time.After(60 * time.Second)
		for done < 2 || inFlight == "" {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: the child stopped", round)
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("round %d: child: %s", round, l)
				}
				if rest, ok := strings.CutPrefix(l, "saved "); ok {
					var name string
					var ns int64
					fmt.Sscan(rest, &name, &ns)
					saved[name] = true
					saveTime = time.Duration(ns)
					inFlight = ""
					done++
				}
				if name, ok := strings.CutPrefix(l, "saving "); ok && done >= 2 {
					inFlight = name
				}
			case <-timeout:
				t.Fatalf("round %d: the child saved %d snapshots in a minute", round, done)
			}
		}
		time.Sleep(saveTime * time.Duration(round%6) / 5)
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			if rest, ok := strings.CutPrefix(l, "saved "); ok {
				saved[strings.Fields(rest)[0]] = true
			}
			if name, ok := strings.CutPrefix(l, "saving "); ok {
				inFlight = name
			}
		}
		cmd.Wait()

		s, err := pager.Open(path)
		if err != nil {
			t.Fatalf("round %d: the store does not open after the kill: %v", round, err)
		}
		recovered += s.Recovered()
		infos, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, i := range infos {
			have[i.Name] = true
			if err := s.Verify(i.Name); err != nil {
				t.Fatalf("round %d: snapshot %s: %v", round, i.Name, err)
			}
		}
		for name := range saved {
			if !have[name] {
				t.Fatalf("round %d: snapshot %s was saved but is gone", round, name)
			}
		}
		for name := range have {
			if !saved[name] && name != inFlight {
				t.Fatalf("round %d: unexpected snapshot %s", round, name)
			}
			// The save in flight may have committed before the kill: it
			// is whole (verified above) and must stay from now on.
			saved[name] = true
		}
		// Every stored page belongs to a snapshot: the interrupted save's
		// streamed pages were collected at Open.
		u, err := s.Usage()
		if err != nil {
			t.Fatal(err)
		}
		if want := 600/3*2 + len(infos)*6000; u.Pages != want {
			t.Fatalf("round %d: %d pages stored for %d snapshots, want %d", round, u.Pages, len(infos), want)
		}
		if n, err := s.GC(); err != nil || n != 0 {
			t.Fatalf("round %d: GC found %d unreferenced pages (%v)", round, n, err)
		}
		t.Logf("round %d: killed while saving %s; %d snapshots intact; %d streamed pages collected", round, inFlight, len(infos), s.Recovered())
		s.Close()
	}
	if recovered == 0 {
		t.Fatal("no kill interrupted a save while it streamed pages")
	}
}
