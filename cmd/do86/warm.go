package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// settleQuiet is how long a warm start's screen must stay quiet, with the
// guest mostly halted, before its snapshot is taken (serve's rule, with a
// longer wait: a boot may pause for a few seconds behind a still screen,
// as KolibriOS does between drawing its desktop and starting its apps).
const settleQuiet = 8 * time.Second

// warmName names run --warm's snapshot of a configuration: the image, and a
// digest of what makes a snapshot of it usable — the core, the firmware,
// the memory size and the media's names. (Media content is checked on
// resume by their fingerprints.)
func warmName(cfg emu.Config) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%s|%s|%s|%s|%s\n", core.WasmSHA256, cfg.Memory, cfg.Floppy, cfg.HDA, cfg.CDROM, cfg.Kernel, cfg.Multiboot)
	h.Write(cfg.BIOS)
	h.Write(cfg.VGABIOS)
	return "warm/" + cfg.Name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// warmResume resumes run --warm's snapshot of cfg, if there is a usable
// one; nil (and no error) when the machine must boot.
func warmResume(cfg emu.Config, storePath string) *emu.Machine {
	name := warmName(cfg)
	s, err := openStore(storePath)
	if err != nil {
		cfg.Logger.Warn(fmt.Sprintf("--warm: %v: booting", err))
		return nil
	}
	defer s.Close()
	if !hasSnapshot(s, name) {
		cfg.Logger.Info(fmt.Sprintf("--warm: no snapshot of %s yet: booting, and saving one once its screen settles", cfg.Name))
		return nil
	}
	t0 := time.Now()
	m, err := emu.Resume(cfg, s, name)
	if err != nil {
		cfg.Logger.Warn(fmt.Sprintf("--warm: %s cannot be resumed (%v): booting, and saving it again", name, err))
		return nil
	}
	cfg.Logger.Info(fmt.Sprintf("--warm: resumed %s in %s", name, time.Since(t0).Round(time.Millisecond)))
	return m
}

// warmSave waits, in the background, until m's screen settles with nobody
// having touched the guest, and saves it as run --warm's snapshot.
func warmSave(ctx context.Context, m *emu.Machine, storePath string) {
	name := warmName(m.Config())
	log := m.Logger()
	go func() {
		if display.WaitSettled(ctx, m.Hub(), display.Settle{Quiet: settleQuiet,
			MIPS: func() float64 { return m.Stats().MIPS }, IdleMIPS: web.IdleMIPS, LongQuiet: 4 * settleQuiet}) != nil {
			return
		}
		if m.Inputs() != 0 {
			log.Info("--warm: the guest was used before it settled: no warm snapshot this time")
			return
		}
		s, err := openStore(storePath)
		if err != nil {
			log.Warn(fmt.Sprintf("--warm: %v", err))
			return
		}
		defer s.Close()
		st, err := m.SaveSnapshot(ctx, s, name)
		if err != nil {
			log.Warn(fmt.Sprintf("--warm: saving %s: %v", name, err))
			return
		}
		log.Info(fmt.Sprintf("--warm: saved %s (%d pages) in %s: later runs start from it",
			name, st.Pages, (st.HashTime + st.StoreTime).Round(time.Millisecond)))
	}()
}

// hasSnapshot reports whether the store holds a snapshot called name.
func hasSnapshot(s *pager.Store, name string) bool {
	infos, err := s.List()
	if err != nil {
		return false
	}
	for _, i := range infos {
		if i.Name == name {
			return true
		}
	}
	return false
}
