package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/bench"
)

// benchFlags are do86 bench's flags (DESIGN.md lists them).
type benchFlags struct {
	runs        int
	only        string
	jsonOut     string
	vsNode      bool
	noJIT       bool
	imageDir    string
	kolibriPNG  string
	cpuprofile  string
	loopSeconds float64
	timeout     time.Duration
	node        string
	nodeACPI    bool
	quiet       bool
}

func newBenchCmd() *cobra.Command {
	f := &benchFlags{}
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure guest MIPS, boot times, memory and idle CPU",
		Long: `Measure do86 reproducibly and print a table (and, with --json, a file):

  loops    guest MIPS on three small programs do86 builds itself (register
           arithmetic, a 1 MiB memory sum-and-copy, port I/O), JIT on and off
  kolibri  seconds to the KolibriOS desktop: when the screen comes within a
           mean difference of a reference picture (--kolibri-png, by default
           kolibri.png in the image dir); with --kolibri-png idle, after the
           first 1024x768 frame, the screen's last change before it stays
           unchanged for 2 s with the guest mostly halted (at most 2 MIPS).
           Also a warm start: the desktop resumed from a snapshot saved once
           it was up (as run --warm's second run; v86 in Node restores its
           save_state), timed from process start to the desktop on screen
  linux    seconds to DO86-LINUX-READY on COM1 (linux.iso from the image dir)
  linux-direct  the same, booting linux-vmlinuz and linux-initrd.gz directly
  idle     CPU used by FreeDOS idling at its prompt (freedos722.img)

Every measurement runs in a child process of its own, so peak RSS is per boot.
Each boot is also measured as a first boot ever (do86 with an empty compilation
cache: "first boot" rows); the other do86 boots reuse the cache of earlier runs.
With --vs-v86-node the same guests also run under v86 in Node.js (the pinned npm
package, same SeaBIOS, memory size and JIT), alternating with do86, and the
table gives do86/v86 ratios.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.runs, "runs", 3, "runs of each measurement (the table gives medians)")
	fl.StringVar(&f.only, "only", "", "comma list of groups to measure: "+strings.Join(bench.Groups, ",")+" (default all)")
	fl.StringVar(&f.jsonOut, "json", "", "also write the report, with every run, as JSON to FILE")
	fl.BoolVar(&f.vsNode, "vs-v86-node", false, "also run every guest under v86 in Node.js (scripts/v86-node) and print ratios")
	fl.BoolVar(&f.noJIT, "nojit-column", true, "also run the loops with the JIT off (--jit=false), in a column of its own")
	fl.StringVar(&f.imageDir, "image-dir", "", "where kolibri.img, linux.iso, linux-vmlinuz, linux-initrd.gz and freedos722.img are (or $DO86_IMAGE_DIR)")
	fl.StringVar(&f.kolibriPNG, "kolibri-png", "", "KolibriOS is up when the screen is within mean difference TOL of PNG[,TOL] (default TOL 0.5); default: kolibri.png in the image dir if there is one; \"idle\": the idle signal instead")
	fl.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the first do86 run of each guest to FILE (guest name inserted before the extension)")
	fl.Float64Var(&f.loopSeconds, "loop-seconds", 2, "how long each loop is timed")
	fl.DurationVar(&f.timeout, "timeout", 3*time.Minute, "give up on a boot after this long")
	fl.StringVar(&f.node, "node", "node", "the Node.js executable for --vs-v86-node")
	fl.BoolVar(&f.nodeACPI, "node-acpi", true, "give v86 in Node ACPI tables, as do86 always has")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")

	child := &cobra.Command{
		Use:    "child",
		Short:  "Run one measurement described by JSON on stdin (used by bench itself)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return bench.ServeChild(cmd.Context(), os.Stdin, os.Stdout)
		},
	}
	cmd.AddCommand(child)
	return cmd
}

func runBench(cmd *cobra.Command, f *benchFlags) error {
	o := bench.Options{
		Runs:        f.runs,
		VsNode:      f.vsNode,
		NoJIT:       f.noJIT,
		ImageDir:    f.imageDir,
		CPUProfile:  f.cpuprofile,
		LoopSeconds: f.loopSeconds,
		Timeout:     f.timeout,
		Node:        f.node,
		NodeACPI:    f.nodeACPI,
	}
	if f.runs < 1 {
		return fail(errors.New("--runs: want at least 1"))
	}
	if f.only != "" {
		o.Only = strings.Split(f.only, ",")
	}
	if f.kolibriPNG != "" {
		o.KolibriPNG = f.kolibriPNG
		if i := strings.LastIndexByte(f.kolibriPNG, ','); i > 0 {
			tol, err := strconv.ParseFloat(f.kolibriPNG[i+1:], 64)
			if err != nil || tol < 0 {
				return fail(fmt.Errorf("--kolibri-png %q: the tolerance after the comma must be a number ≥ 0", f.kolibriPNG))
			}
			o.KolibriPNG, o.Tolerance = f.kolibriPNG[:i], tol
		}
	}
	if !f.quiet {
		o.Progress = os.Stderr
	}
	rep, err := bench.Run(cmd.Context(), o)
	if err != nil && rep == nil {
		return fail(err)
	}
	if werr := rep.WriteTable(os.Stdout); werr != nil {
		return fail(werr)
	}
	if f.jsonOut != "" {
		if werr := rep.WriteJSON(f.jsonOut); werr != nil {
			return fail(werr)
		}
	}
	if err != nil {
		return fail(err)
	}
	return nil
}
