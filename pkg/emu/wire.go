package emu

import (
	"fmt"
	"time"

	"github.com/do86/do86/internal/boot"
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/dev/fdc"
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

// devices are the machine's chips, by name.
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
}

// wire builds the chipset and devices and puts them on the buses.
func (m *Machine) wire() error {
	d := &m.dev
	p := m.ports
	irq := m.lines.Pin
	var errs []error
	reg := func(base uint16, n int, dev bus.PortDevice, name string) {
		if err := p.Register(base, n, dev, name); err != nil {
			errs = append(errs, err)
		}
	}
	add := func(dev any) {
		if t, ok := dev.(bus.Timer); ok {
			m.timers = append(m.timers, t)
		}
		if r, ok := dev.(bus.Resetter); ok {
			m.resetters = append(m.resetters, r)
		}
	}

	d.pit = i8254.New(m.clock, irq(0))
	reg(0x40, 4, d.pit, "pit")
	reg(0x61, 1, d.pit.Port61(), "port61")
	add(d.pit)

	d.rtc = mc146818.New(time.Now().UTC(), m.clock, irq(8))
	reg(0x70, 2, d.rtc, "rtc")
	add(d.rtc)

	d.dma = i8237.New(m.core)
	if err := d.dma.Register(p); err != nil {
		errs = append(errs, err)
	}
	add(d.dma)

	d.fdc = fdc.New(irq(fdc.IRQLine), d.dma, m.clock)
	reg(fdc.BasePort, 6, d.fdc, "fdc")
	reg(fdc.DIRPort, 1, d.fdc.DIRPort(), "fdc-dir")
	add(d.fdc)

	d.kbc = i8042.New(irq(1), irq(12), m.requestReset)
	reg(0x60, 1, d.kbc.DataPort(), "i8042-data")
	reg(0x64, 1, d.kbc.CommandPort(), "i8042-cmd")
	add(d.kbc)

	// PCI: i440FX host bridge, PIIX3 ISA bridge with the PIRQ router.
	d.pci = &pci.Bus{}
	reg(0xCF8, 1, d.pci, "pci-addr")
	reg(0xCFC, 4, d.pci.Data(), "pci-data")
	d.router = pci.NewRouter(irq)
	host := pci.NewI440FX()
	isa := pci.NewPIIX3ISA(d.router.Route)
	d.pci.Add(0, 0, host)
	d.pci.Add(1, 0, isa)
	add(host)
	add(isa)

	d.vga = vga.New(m.clock, lfb{m.core})
	if err := d.vga.Register(p, m.mmio); err != nil {
		errs = append(errs, err)
	}
	d.pci.Add(2, 0, d.vga.PCI())
	add(d.vga)

	d.ide = ide.New(m.core, m.clock, irq(ide.PrimaryIRQ), irq(ide.SecondaryIRQ))
	if err := d.ide.Register(p); err != nil {
		errs = append(errs, err)
	}
	d.pci.Add(1, 1, d.ide.PCI())
	add(d.ide)
	m.wireUSB()

	if err := m.wirePlatform(); err != nil {
		errs = append(errs, err)
	}

	m.fw.SetFile("etc/show-boot-menu", fwcfg.LE16(0))
	m.fw.SetFile("etc/boot-fail-wait", fwcfg.LE32(5000))
	if len(m.cfg.VGABIOS) > 0 {
		m.fw.SetFile("vgaroms/vgabios.bin", m.cfg.VGABIOS)
	}
	reg(0x510, 2, m.fw, "fw_cfg")

	if err := m.insertMedia(); err != nil {
		return err
	}
	if err := m.wireAHCI(); err != nil {
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
	if len(errs) > 0 {
		return fmt.Errorf("wiring: %v", errs)
	}
	return nil
}

// insertMedia opens the configured images and gives them to their drives.
func (m *Machine) insertMedia() error {
	for i, path := range m.cfg.Floppy {
		if path == "" {
			continue
		}
		f, size, err := openFile(path)
		if err != nil {
			return err
		}
		m.closers = append(m.closers, f)
		if err := m.dev.fdc.Insert(i, f, size, false); err != nil {
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
const maxPendingKeys = 4096

type keyEvent struct {
	code input.Scancode
	down bool
}

// Key presses or releases a key (input.Sink); safe from any goroutine.
// Keys wait in a queue until the keyboard's own 16-byte buffer has room, so
// a paste or a burst of input while the guest is busy loses nothing.
func (m *Machine) Key(code input.Scancode, down bool) {
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
	m.Do(func() { m.dev.kbc.Mouse(dx, dy, dz, buttons) })
}
