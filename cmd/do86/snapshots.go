package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
)

// resolveStorePath returns the store file path (default: pager.DefaultPath).
func resolveStorePath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	return pager.DefaultPath()
}

// storeWaiting says why a command pauses: another do86 holds the store.
func storeWaiting(path string) {
	fmt.Fprintf(os.Stderr, "do86: waiting for the snapshot store %s: another do86 is using it (up to a minute)\n", path)
}

// openStore opens the snapshot store at path (default: pager.DefaultPath)
// for reading and writing. Other do86 processes may use it at the same
// time: each operation waits (saying so) while another writes.
func openStore(path string) (*pager.Store, error) {
	return openStoreWith(path, false)
}

// openStoreRead opens the store for reading only: a missing store is
// empty, and nothing is created.
func openStoreRead(path string) (*pager.Store, error) {
	return openStoreWith(path, true)
}

func openStoreWith(path string, readOnly bool) (*pager.Store, error) {
	path, err := resolveStorePath(path)
	if err != nil {
		return nil, err
	}
	s, err := pager.OpenWith(path, pager.Options{Compress: true, ReadOnly: readOnly, Waiting: storeWaiting})
	if err != nil {
		return nil, fmt.Errorf("snapshot store %w", err) // the error starts with the path
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
	s, err := openStoreRead(f.store)
	if err != nil {
		return emu.Config{}, err
	}
	defer s.Close()
	cfg, err := emu.ResumeConfig(ctx, s, f.resume, req)
	if err != nil {
		return cfg, fmt.Errorf("resume %s: %w", f.resume, asFlags(err))
	}
	cfg.Logger = req.Logger
	return cfg, f.net.apply(&cfg)
}

// resumeMachine builds a machine from cfg and restores snapshot name into it.
// The store is opened read-only and pinned while reading: no other process
// changes the snapshot between its record and its pages.
func resumeMachine(ctx context.Context, cfg emu.Config, storePath, name string) (*emu.Machine, error) {
	s, err := openStoreRead(storePath)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	unpin, err := s.Pin()
	if err != nil {
		return nil, fmt.Errorf("resume %s: snapshot store %s: %w", name, s.Path(), err)
	}
	defer unpin()
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
	st, rescued, err := saveSomewhere(storePath, name, storeWaiting, func(s *pager.Store) (emu.SnapshotStats, error) {
		return m.Snapshot(s, name)
	})
	if err != nil {
		return err
	}
	if rescued != "" {
		fmt.Fprintln(os.Stderr, "do86: "+rescued)
	}
	fmt.Fprintf(os.Stderr, "do86: saved %s: %d pages (%d zero, %d distinct), %d new (%s) in %s\n",
		name, st.Pages, st.ZeroPages, st.Unique, st.Written, images.HumanBytes(int64(st.WrittenBytes)), st.Duration.Round(time.Millisecond))
	return nil
}

// saveRunning snapshots a running machine (from the terminal's command bar)
// and returns a line for the status bar; it prints nothing (the terminal
// shows the machine).
func saveRunning(ctx context.Context, m *emu.Machine, storePath, name string) (string, error) {
	st, rescued, err := saveSomewhere(storePath, name, nil, func(s *pager.Store) (emu.SnapshotStats, error) {
		return m.SaveSnapshot(ctx, s, name)
	})
	if err != nil {
		return "", err
	}
	if rescued != "" {
		return rescued, nil
	}
	return fmt.Sprintf("saved snapshot %s (%d new pages)", name, st.Written), nil
}

// saveSomewhere saves with save into the store at path; when that store
// cannot take it (another process held it past the wait, or its file is
// damaged, unwritable or of another format), into a new store file next to
// it (or in the temporary directory), so that the state the user asked to
// keep is never lost. rescued is "" for the store asked for, else a line
// saying why and where it went, and how to resume it. waiting, if not nil,
// is told when the store is busy.
func saveSomewhere(path, name string, waiting func(string), save func(*pager.Store) (emu.SnapshotStats, error)) (st emu.SnapshotStats, rescued string, err error) {
	if path, err = resolveStorePath(path); err != nil {
		return st, "", err
	}
	open := func(p string) (*pager.Store, error) {
		return pager.OpenWith(p, pager.Options{Compress: true, Waiting: waiting})
	}
	s, err := open(path)
	if err == nil {
		st, err = save(s)
		s.Close()
		if err == nil {
			return st, "", nil
		}
	}
	if !storeTrouble(err) {
		return st, "", fmt.Errorf("save %s: %w", name, err)
	}
	first := err
	for _, alt := range rescuePaths(path) {
		r, err := open(alt)
		if err != nil {
			continue
		}
		st, err = save(r)
		r.Close()
		if err == nil {
			return st, fmt.Sprintf("could not save %s to %s (%v); saved it to %s instead: resume it with --store %s --resume %s",
				name, path, first, alt, alt, name), nil
		}
	}
	return st, "", fmt.Errorf("save %s: %w (and no other store file could be written)", name, first)
}

// storeTrouble reports whether a save failed for the store's sake rather
// than the machine's: another store file may take it.
func storeTrouble(err error) bool {
	return errors.Is(err, pager.ErrInUse) || errors.Is(err, pager.ErrCorrupt) || errors.Is(err, pager.ErrFormat) ||
		errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOSPC)
}

// rescuePaths are where a save goes when its store cannot take it: a new
// file beside the store, then one in the temporary directory.
func rescuePaths(path string) []string {
	stamp := time.Now().Format("20060102-150405")
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := fmt.Sprintf("%s-rescue-%s-%d.db", base, stamp, os.Getpid())
	return []string{filepath.Join(filepath.Dir(path), name), filepath.Join(os.TempDir(), "do86-"+name)}
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
			s, err := openStoreRead(storePath)
			if err != nil {
				return err
			}
			defer s.Close()
			if !s.Exists() {
				fmt.Fprintf(os.Stderr, "do86: no snapshot store at %s yet: nothing saved\n", s.Path())
				return nil
			}
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
