package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/do86/do86/pkg/images"
)

func newImagesCmd() *cobra.Command {
	var imageDir string
	opts := func() images.ResolveOptions {
		return images.ResolveOptions{ImageDir: imageDir, Progress: images.StderrProgress()}
	}
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List, fetch and remove catalog images",
	}
	cmd.PersistentFlags().StringVar(&imageDir, "image-dir", "", "look for images here first, by file name (or $DO86_IMAGE_DIR)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the catalog and what is cached",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tOS\tBOOT\tMEMORY\tSIZE\tVERIFIED\tWHERE")
			for _, s := range images.List(opts()) {
				size := "?"
				switch {
				case s.Size > 0:
					size = images.HumanBytes(s.Size)
				case s.Entry.Size > 0:
					size = images.HumanBytes(s.Entry.Size)
				}
				verified := "no"
				if s.IsVerified() {
					verified = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%dM\t%s\t%s\t%s\n", s.Name, s.OS, s.Boot, s.MemoryMiB, size, verified, s.Where)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "VERIFIED: booted by do86's own tests; \"no\": never booted here (see: do86 images info NAME)")
			return nil
		},
	}
	pull := &cobra.Command{
		Use:   "pull NAME",
		Short: "Download a catalog image into the cache (verified, resumable)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := images.Pull(cmd.Context(), args[0], opts())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	info := &cobra.Command{
		Use:   "info NAME",
		Short: "Show what the catalog knows of an image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := images.Info(args[0], opts())
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), s.Describe())
			return nil
		},
	}
	rm := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a cached image (never touches an image directory)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return images.Remove(args[0], opts())
		},
	}
	cmd.AddCommand(list, pull, info, rm)
	return cmd
}
