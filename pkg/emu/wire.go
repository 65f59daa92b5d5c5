package emu

import (
	"fmt"
	"os"
	"time"

	"github.com/do86/do86/internal/boot"
	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/dev/fdc"
	"github.com/do86/do86/internal/dev/ferr"
	"github.com/do86/do86/internal/dev/fwcfg"
	"github.com/do86/do86/internal/dev/i8042"
	"github.com/do86/do86/internal/dev/i8237"
	"github.com/do86/do86/internal/dev/i8254"
	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/dev/mc146818"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/dev/uart16550"
	"github.com/do86/do86/internal/dev/vga"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/input"
)

// devices are the machine's chips, by name, and what attach keeps of them.
type devices struct {
	pit    *i8254.PIT
	rtc    *mc146818.RTC
	dma    *i8237.DMA
	fdc    *fdc.FDC
	kbc    *i8042.Controller
	pci    *pci.Bus
	router *pci.Router
	vga    *vga.VGA
	ide    *ide.Controller
	ahci   *ahci.Controller
	pm     *acpi.PM
	com1   *uart16550.UART

	reg  registry   // attach.go
	nic  *netDevice // nil without a network card (net.go)
	ferr *ferr.Latch
}

// wire builds the chipset and devices and attaches them (attach.go), in an
// order that is also the order a snapshot restores them in.
func (m *Machine) wire() error {
	d := &m.dev
	irq := m.lines.Pin

	d.pit = i8254.New(m.clock, irq(0))
	m.attach("pit", d.pit, ports(0x40, 4, d.pit), ports(0x61, 1, d.pit.Port61()))

	d.rtc = mc146818.New(time.Now().UTC(), m.clock, irq(8))
	m.attach("rtc", d.rtc, ports(0x70, 2, d.rtc))

	d.dma = i8237.New(m.core)
	m.attach("dma", d.dma, ownPorts(d.dma.Register))

	d.fdc = fdc.New(irq(fdc.IRQLine), d.dma, m.clock)
	m.attach("fdc", d.fdc, ports(fdc.BasePort, 6, d.fdc), ports(fdc.DIRPort, 1, d.fdc.DIRPort()))

	d.kbc = i8042.New(irq(1), irq(12), m.requestReset)
	m.attach("i8042", d.kbc, ports(0x60, 1, d.kbc.DataPort()), ports(0x64, 1, d.kbc.CommandPort()))

	// PCI: i440FX host bridge, PIIX3 ISA bridge with the PIRQ router.
	d.pci = &pci.Bus{}
	m.attach("pci", d.pci, ports(0xCF8, 1, d.pci), ports(0xCFC, 4, d.pci.Data()))
	d.router = pci.NewRouter(irq)
	host := pci.NewI440FX()
	isa := pci.NewPIIX3ISA(d.router.Route)
	m.attach("i440fx", host, pciAt(0, 0, host))
	m.attach("piix3", isa, pciAt(1, 0, isa))
	m.attach("pirq", d.router)

	d.vga = vga.New(m.clock, lfb{m.core})
	m.attach("vga", d.vga, pciAt(2, 0, d.vga.PCI()),
		func(m *Machine, _ string) error { return d.vga.Register(m.ports, m.mmio) })

	d.ide = ide.New(m.core, m.clock, irq(ide.PrimaryIRQ), irq(ide.SecondaryIRQ))
	m.attach("ide", d.ide, pciAt(1, 1, d.ide.PCI()), ownPorts(d.ide.Register))
	m.wireUSB()

	m.wirePlatform()

	m.fw.SetFile("etc/show-boot-menu", fwcfg.LE16(0))
	m.fw.SetFile("etc/boot-fail-wait", fwcfg.LE32(5000))
	if len(m.cfg.VGABIOS) > 0 {
		m.fw.SetFile("vgaroms/vgabios.bin", m.cfg.VGABIOS)
	}
	m.attach("fw_cfg", m.fw, ports(0x510, 2, m.fw))

	if err := m.insertMedia(); err != nil {
		return err
	}
	if err := m.wireAHCI(); err != nil {
		return err
	}
	if err := m.wireNet(); err != nil {
		return err
	}
	kernel, err := m.loadKernel()
	if err != nil {
		return err
	}
	d.rtc.SetMemory(uint64(m.cfg.Memory))
	d.rtc.SetFloppyTypes(d.fdc.DriveType(0), d.fdc.DriveType(1))
	order := m.bootOrder()
	if kernel {
		order = boot.BootOrderPath + "\n" + order
	}
	m.fw.SetFile("bootorder", []byte(order))
	if len(d.reg.errs) > 0 {
		return fmt.Errorf("wiring: %v", d.reg.errs)
	}
	return nil
}

// insertMedia opens the configured images and gives them to their drives.
func (m *Machine) insertMedia() error {
	for i, path := range m.cfg.Floppy {
		if path == "" {
			continue
		}
		if err := checkMediaFile(path); err != nil {
			return err
		}
		flag := os.O_RDONLY
		if m.cfg.Persist {
			flag = os.O_RDWR
		}
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			return err
		}
		m.closers = append(m.closers, syncCloser{f})
		st, err := f.Stat()
		if err != nil {
			return err
		}
		insert := func() error { return m.dev.fdc.Insert(i, f, st.Size(), false) }
		if m.cfg.Persist {
			insert = func() error { return m.dev.fdc.InsertPersistent(i, f, st.Size()) }
		}
		if err := insert(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	for i, path := range []string{m.cfg.HDA, m.cfg.HDB} {
		if path == "" {
			continue
		}
		o := disk.Options{Persist: m.cfg.Persist}
		if i == 0 && !m.cfg.Persist {
			o.OverlayPath = m.cfg.Overlay
		}
		dk, err := disk.Open(path, o)
		if err != nil {
			return err
		}
		m.closers = append(m.closers, dk)
		m.dev.ide.Attach(0, i, dk, ide.HardDisk)
	}
	// The secondary master is always a CD-ROM drive, empty or not.
	var cd *disk.Disk
	if m.cfg.CDROM != "" {
		var err error
		if cd, err = disk.Open(m.cfg.CDROM, disk.Options{ReadOnly: true}); err != nil {
			return err
		}
		m.closers = append(m.closers, cd)
	}
	m.dev.ide.Attach(1, 0, cd, ide.CDROM)
	return nil
}

// bootOrder is SeaBIOS's fw_cfg bootorder file: one device path a line, the
// first bootable one wins.
func (m *Machine) bootOrder() string {
	order := m.cfg.Boot
	if len(order) == 0 {
		order = []string{"fda", "cdrom", "hda"}
	}
	s := ""
	for _, b := range order {
		switch b {
		case "fda":
			s += "/pci@i0cf8/isa@1/fdc@03f0/floppy@0\n"
		case "fdb":
			s += "/pci@i0cf8/isa@1/fdc@03f0/floppy@1\n"
		case "cdrom":
			s += "/pci@i0cf8/*@1,1/drive@1/disk@0\n"
		case "hda":
			s += "/pci@i0cf8/*@1,1/drive@0/disk@0\n"
		case "hdb":
			s += "/pci@i0cf8/*@1,1/drive@0/disk@1\n"
		}
	}
	return s
}

// maxPendingKeys bounds the keys the machine holds for a slow guest.
const maxPendingKeys = 1 << 16

type keyEvent struct {
	code input.Scancode
	down bool
}

// Key presses or releases a key (input.Sink); safe from any goroutine.
// Keys wait in a queue until the keyboard's own 16-byte buffer has room, so
// a paste or a burst of input while the guest is busy loses nothing.
func (m *Machine) Key(code input.Scancode, down bool) {
	m.inputs.Add(1)
	m.Do(func() {
		if len(m.keys) < maxPendingKeys {
			m.keys = append(m.keys, keyEvent{code, down})
		}
		m.pumpKeys()
	})
}

// pumpKeys moves queued keys into the keyboard as its buffer drains.
func (m *Machine) pumpKeys() {
	n := 0
	for n < len(m.keys) && m.dev.kbc.KeyFits(m.keys[n].code, m.keys[n].down) {
		m.dev.kbc.Key(m.keys[n].code, m.keys[n].down)
		n++
	}
	if n > 0 {
		m.keys = append(m.keys[:0], m.keys[n:]...)
	}
}

// Mouse moves the mouse (input.Sink); safe from any goroutine.
func (m *Machine) Mouse(dx, dy, dz int, buttons uint8) {
	m.inputs.Add(1)
	m.Do(func() { m.dev.kbc.Mouse(dx, dy, dz, buttons) })
}

// syncCloser flushes a file the guest may have written to disk before
// closing it.
type syncCloser struct{ f *os.File }

func (s syncCloser) Close() error {
	s.f.Sync()
	return s.f.Close()
}
