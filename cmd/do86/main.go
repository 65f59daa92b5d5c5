// Command do86 runs whole x86 PCs — KolibriOS, Linux, DOS, hobby OSes —
// from their image files, in-process, and shows their screens in the
// terminal, to VNC clients and to browsers.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes of do86 run (a contract: scripts rely on them).
const (
	exitOK      = 0
	exitError   = 1
	exitUnmet   = 3 // an --until condition was not met before --timeout
	exitCrashed = 4 // the CPU core trapped
)

// exitError carries an exit code through cobra.
type exitCode struct {
	code int
	err  error
}

func (e *exitCode) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	code := exitError
	var ec *exitCode
	if errors.As(err, &ec) {
		code = ec.code
		err = ec.err
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "do86:", err)
	}
	os.Exit(code)
}

// newRootCmd is the do86 command with its subcommands.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "do86",
		Short:         "Run a whole x86 PC from the command line",
		Long:          "do86 boots real x86 operating systems from their image files on the v86 CPU core\n(hosted by wazero) with SeaBIOS, and shows the screen in the terminal, over VNC or in a browser.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate(versionLine() + "\n")
	root.AddCommand(newRunCmd(), newImagesCmd(), newSnapshotsCmd(), newBenchCmd(), newVersionCmd())
	root.AddCommand(newServeCmd(), newManCmd(root))
	return root
}
