package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/core"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print do86's version and the core it expects",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine())
		},
	}
}

// versionLine is what do86 version and do86 --version print.
func versionLine() string {
	return fmt.Sprintf("do86 %s (%s, %s/%s)\ncore: v86 %s (v86.wasm sha256 %s…), at %s",
		version, runtime.Version(), runtime.GOOS, runtime.GOARCH, core.Version, core.WasmSHA256[:16], core.Find())
}
