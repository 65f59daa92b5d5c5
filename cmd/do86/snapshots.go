package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
)

// openStore opens the snapshot store at path (default: pager.DefaultPath).
func openStore(path string) (*pager.Store, error) {
	if path == "" {
		var err error
		if path, err = pager.DefaultPath(); err != nil {
			return nil, err
		}
	}
	s, err := pager.Open(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot store %s: %w", path, err)
	}
	return s, nil
}

// resumeConfig is the configuration of the snapshot --resume names, its
// media found again and checked (emu.ResumeConfig), with the flags' media
// and firmware.
func resumeConfig(ctx context.Context, f *runFlags, args []string) (emu.Config, error) {
	req, err := f.request(args)
	if err != nil {
		return emu.Config{}, err
	}
	s, err := openStore(f.store)
	if err != nil {
		return emu.Config{}, err
	}
	defer s.Close()
	cfg, err := emu.ResumeConfig(ctx, s, f.resume, req)
	if err != nil {
		return cfg, fmt.Errorf("resume %s: %w", f.resume, asFlags(err))
	}
	cfg.Logger = req.Logger
	return cfg, nil
}

// resumeMachine builds a machine from cfg and restores snapshot name into it.
// The store is held only while reading.
func resumeMachine(ctx context.Context, cfg emu.Config, storePath, name string) (*emu.Machine, error) {
	s, err := openStore(storePath)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	t0 := time.Now()
	m, err := emu.Resume(cfg, s, name)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", name, err)
	}
	cfg.Logger.Info(fmt.Sprintf("resumed %s in %s", name, time.Since(t0).Round(time.Millisecond)))
	return m, nil
}

// saveSnapshot writes the stopped machine to the store as name.
func saveSnapshot(m *emu.Machine, storePath, name string) error {
	s, err := openStore(storePath)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := m.Snapshot(s, name)
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	fmt.Fprintf(os.Stderr, "do86: saved %s: %d pages (%d zero, %d distinct), %d new (%s) in %s\n",
		name, st.Pages, st.ZeroPages, st.Unique, st.Written, images.HumanBytes(int64(st.WrittenBytes)), st.Duration.Round(time.Millisecond))
	return nil
}

// saveRunning snapshots a running machine (from the terminal's command bar)
// and returns a line for the status bar.
func saveRunning(ctx context.Context, m *emu.Machine, storePath, name string) (string, error) {
	s, err := openStore(storePath)
	if err != nil {
		return "", err
	}
	defer s.Close()
	st, err := m.SaveSnapshot(ctx, s, name)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("saved snapshot %s (%d new pages)", name, st.Written), nil
}

func newSnapshotsCmd() *cobra.Command {
	var storePath string
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List and remove saved VM snapshots",
	}
	cmd.PersistentFlags().StringVar(&storePath, "store", "", "snapshot store FILE (default: the user cache's do86/store.db)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List snapshots",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStore(storePath)
			if err != nil {
				return err
			}
			defer s.Close()
			infos, err := s.List()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tIMAGE\tRAM\tPAGES\tSTORED\tCREATED")
			for _, i := range infos {
				fmt.Fprintf(w, "%s\t%s\t%dM\t%d\t%s\t%s\n", i.Name, i.Image, i.RAM>>20, i.NonZero, images.HumanBytes(int64(i.Bytes)), i.Created.Local().Format("2006-01-02 15:04"))
			}
			return w.Flush()
		},
	}
	rm := &cobra.Command{
		Use:   "rm NAME...",
		Short: "Remove snapshots (pages no other snapshot uses are freed)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openStore(storePath)
			if err != nil {
				return err
			}
			defer s.Close()
			var errs []error
			for _, n := range args {
				if err := s.Delete(n); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", n, err))
				}
			}
			return errors.Join(errs...)
		},
	}
	cmd.AddCommand(list, rm)
	return cmd
}
