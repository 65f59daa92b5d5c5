package uhci_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/usbtablet"
	"github.com/do86/do86/internal/usb"
)

// TestPCIIdentity: the function is the PIIX3's USB controller with its I/O
// registers at BAR4 (32 bytes), INTD, and the legacy support register's
// default, PIRQ routing on.
func TestPCIIdentity(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	fn := r.c.PCI()
	if v := fn.ConfigRead(0, 4); v != 0x70208086 {
		t.Errorf("vendor/device = %#x, want 0x70208086", v)
	}
	if v := fn.ConfigRead(0x08, 4) >> 8; v != 0x0C0300 {
		t.Errorf("class = %#06x, want 0x0c0300 (USB UHCI)", v)
	}
	if v := fn.ConfigRead(0x3D, 1); v != 4 {
		t.Errorf("interrupt pin = %d, want 4 (INTD)", v)
	}
	fn.ConfigWrite(cfgBAR4, 4, 0xFFFFFFFF)
	if v := fn.ConfigRead(cfgBAR4, 4); v != 0xFFFFFFE1 {
		t.Errorf("BAR4 size probe = %#x, want 0xffffffe1 (32 bytes of I/O)", v)
	}
	fn.ConfigWrite(cfgBAR4, 4, ioBase)
	if v := fn.ConfigRead(cfgLEGSUP, 2); v != 0x2000 {
		t.Errorf("LEGSUP = %#x at power-on, want 0x2000", v)
	}
	// Linux and SeaBIOS write the R/WC bits to turn legacy support off:
	// PIRQ routing goes off, no trap status is left.
	fn.ConfigWrite(cfgLEGSUP, 2, 0x8F00)
	if v := fn.ConfigRead(cfgLEGSUP, 2); v != 0 {
		t.Errorf("LEGSUP = %#x after writing 0x8f00, want 0", v)
	}
	fn.ConfigWrite(cfgLEGSUP, 2, 0xAF00) // KolibriOS: PIRQ on, traps cleared
	if v := fn.ConfigRead(cfgLEGSUP, 2); v != 0x2000 {
		t.Errorf("LEGSUP = %#x after writing 0xaf00, want 0x2000", v)
	}
}

// TestRegistersAtPowerOn: the controller is halted with its defaults, the
// port with the tablet shows a connection (and its change), the other is
// empty, and the offsets after the second port read all ones, which is how
// drivers count ports.
func TestRegistersAtPowerOn(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, c := range []struct {
		name string
		reg  uint16
		want uint16
	}{
		{"USBCMD", rCMD, 0}, {"USBSTS", rSTS, stsHCH}, {"USBINTR", rINTR, 0}, {"FRNUM", rFRNUM, 0},
		{"PORTSC1", rPORT1, portOne | portDP | portCSC | portCCS}, {"PORTSC2", rPORT2, portOne},
		{"offset 0x14", 0x14, 0xFFFF},
	} {
		if v := r.inw(c.reg); v != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, v, c.want)
		}
	}
	if v := r.ports.Read(ioBase+rSOF, 1); v != 64 {
		t.Errorf("SOFMOD = %d, want 64", v)
	}
	r.outl(rFLBASE, 0x12345678)
	if v := r.inl(rFLBASE); v != 0x12345000 {
		t.Errorf("FRBASEADD = %#x, want 0x12345000 (4 KiB aligned)", v)
	}
	// A 32-bit read at 0 is USBCMD and USBSTS.
	if v := r.inl(rCMD); v != stsHCH<<16 {
		t.Errorf("dword at 0 = %#x, want %#x", v, stsHCH<<16)
	}
	// Connect status change clears on 1.
	r.outw(rPORT1, portCSC)
	if v := r.inw(rPORT1); v != portOne|portDP|portCCS {
		t.Errorf("PORTSC1 = %#x after clearing CSC", v)
	}
}

// TestPortReset: reset signalling disables the port, drives the line low
// and returns the device to address 0; the port enables when software asks
// after the reset, and only with a device connected.
func TestPortReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(0)
	r.enumerate()
	if r.tab.Address() != 1 {
		t.Fatalf("tablet address %d after SET_ADDRESS(1)", r.tab.Address())
	}
	r.outw(rPORT1, portPR|portPE)
	if v := r.inw(rPORT1); v&(portPE|portDP) != 0 || v&portPR == 0 {
		t.Errorf("PORTSC1 = %#x during reset: want PR, not PE nor D+", v)
	}
	if r.tab.Address() != 0 {
		t.Errorf("tablet address %d after port reset, want 0", r.tab.Address())
	}
	r.outw(rPORT1, portCSC)
	if v := r.inw(rPORT1); v != portOne|portDP|portCCS {
		t.Errorf("PORTSC1 = %#x after reset, want %#x", v, portOne|portDP|portCCS)
	}
	r.outw(rPORT1, portPE)
	if v := r.inw(rPORT1); v&portPE == 0 {
		t.Errorf("PORTSC1 = %#x: not enabled", v)
	}
	// Nothing is plugged into port 2: it cannot be enabled.
	r.outw(rPORT2, portPE)
	if v := r.inw(rPORT2); v != portOne {
		t.Errorf("PORTSC2 = %#x after enabling an empty port", v)
	}
	// A transaction reaches the device only through an enabled port.
	r.outw(rPORT1, 0)
	_, st := r.control(0, usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 8}, nil)
	if st&(tdCRCTO|tdStall) != tdCRCTO|tdStall {
		t.Errorf("SETUP to a disabled port: TD status %#x, want CRC/timeout and stalled", st)
	}
}

// TestEnumeration enumerates the tablet through control transfers, as a
// host's USB stack does, and checks every descriptor and the HID
// requests' answers byte by byte.
func TestEnumeration(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.start(intrIOC)
	r.enablePort()
	get := func(addr uint8, rt uint8, value, index, n uint16) []byte {
		t.Helper()
		return r.mustControl(addr, usb.Setup{RequestType: rt, Request: usb.RequestGetDescriptor, Value: value, Index: index, Length: n}, nil)
	}
	dev := get(0, 0x80, 0x0100, 0, 64) // Linux asks for 64 bytes first
	want := []byte{18, 1, 0x10, 0x01, 0, 0, 0, 8, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1}
	if !bytes.Equal(dev, want) {
		t.Errorf("device descriptor:\n got % x\nwant % x", dev, want)
	}
	r.mustControl(0, usb.Setup{Request: usb.RequestSetAddress, Value: 5}, nil)
	if a := r.tab.Address(); a != 5 {
		t.Fatalf("address %d after SET_ADDRESS(5)", a)
	}
	if b, st := r.control(0, usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 18}, nil); st == 0 || b != nil {
		t.Errorf("address 0 still answers after SET_ADDRESS")
	}
	cfg := get(5, 0x80, 0x0200, 0, 9)
	if len(cfg) != 9 || cfg[2] != 34 || cfg[3] != 0 || cfg[5] != 1 {
		t.Fatalf("configuration descriptor head % x: want wTotalLength 34, value 1", cfg)
	}
	cfg = get(5, 0x80, 0x0200, 0, 255)
	rd := usbtablet.ReportDescriptor
	wantCfg := []byte{
		9, 2, 34, 0, 1, 1, 0, 0xA0, 50,
		9, 4, 0, 0, 1, 3, 0, 0, 0,
		9, 0x21, 0x11, 0x01, 0, 1, 0x22, byte(len(rd)), 0,
		7, 5, 0x81, 3, 8, 0, 10,
	}
	if !bytes.Equal(cfg, wantCfg) {
		t.Errorf("configuration:\n got % x\nwant % x", cfg, wantCfg)
	}
	if s := get(5, 0x80, 0x0300, 0, 255); !bytes.Equal(s, []byte{4, 3, 0x09, 0x04}) {
		t.Errorf("string 0 = % x, want US English", s)
	}
	if s := get(5, 0x80, 0x0302, 0x0409, 255); !bytes.Equal(s, usb.StringDescriptor("do86 USB tablet")) {
		t.Errorf("product string = % x", s)
	}
	if _, st := r.control(5, usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0600, Length: 10}, nil); st&tdStall == 0 {
		t.Errorf("DEVICE_QUALIFIER of a full-speed device: status %#x, want a STALL", st)
	}
	if got := get(5, 0x81, 0x2200, 0, uint16(len(rd)+64)); !bytes.Equal(got, rd) {
		t.Errorf("report descriptor:\n got % x\nwant % x", got, rd)
	}
	r.mustControl(5, usb.Setup{Request: usb.RequestSetConfiguration, Value: 1}, nil)
	if c := r.mustControl(5, usb.Setup{RequestType: 0x80, Request: usb.RequestGetConfiguration, Length: 1}, nil); !bytes.Equal(c, []byte{1}) {
		t.Errorf("GET_CONFIGURATION = % x", c)
	}
	if s := r.mustControl(5, usb.Setup{RequestType: 0x80, Request: usb.RequestGetStatus, Length: 2}, nil); !bytes.Equal(s, []byte{0, 0}) {
		t.Errorf("GET_STATUS(device) = % x: bus powered, no remote wakeup", s)
	}
	r.mustControl(5, usb.Setup{RequestType: 0x21, Request: usbtablet.RequestSetIdle}, nil)
	r.mustControl(5, usb.Setup{RequestType: 0x21, Request: usbtablet.RequestSetProtocol, Value: 1}, nil)
	if p := r.mustControl(5, usb.Setup{RequestType: 0xA1, Request: usbtablet.RequestGetProtocol, Length: 1}, nil); !bytes.Equal(p, []byte{1}) {
		t.Errorf("GET_PROTOCOL = % x, want report protocol", p)
	}
	r.tab.Set(1000, 2000, 1, 0)
	rep := r.mustControl(5, usb.Setup{RequestType: 0xA1, Request: usbtablet.RequestGetReport, Value: 0x0100, Length: 6}, nil)
	if !bytes.Equal(rep, []byte{1, 0xE8, 0x03, 0xD0, 0x07, 0}) {
		t.Errorf("GET_REPORT = % x", rep)
	}
	if v := r.inw(rSTS); v&stsINT == 0 || !r.irq.Level {
		t.Errorf("USBSTS = %#x, line %v after TDs with IOC: want USBINT and the line up", v, r.irq.Level)
	}
}

// TestRemoteWakeup: with the bus in global suspend and the tablet's port
// suspended, a pointer event from a tablet whose remote wakeup the host
// enabled shows as resume detect on the port and the controller, and
// interrupts with the resume enable; without the feature it does not.
func TestRemoteWakeup(t *testing.T) {
	t.Parallel()
	for _, enabled := range []bool{false, true} {
		r := newRig(t)
		r.start(0)
		r.enumerate()
		if enabled {
			r.mustControl(1, usb.Setup{Request: usb.RequestSetFeature, Value: usb.FeatureDeviceRemoteWakeup}, nil)
		}
		r.outw(rPORT1, portPE|portCSC|1<<12) // suspend the port
		r.outw(rCMD, cmdCF)                  // stop
		r.outw(rCMD, cmdCF|1<<3)             // enter global suspend
		r.outw(rSTS, 0x3F)
		r.outw(rINTR, 1<<1) // resume interrupt
		r.tab.Set(5, 5, 1, 0)
		port, sts := r.inw(rPORT1), r.inw(rSTS)
		if got := port&(1<<6) != 0 && sts&(1<<2) != 0 && r.irq.Level; got != enabled {
			t.Errorf("remote wakeup %v: PORTSC1 %#x, USBSTS %#x, line %v", enabled, port, sts, r.irq.Level)
		}
	}
}
