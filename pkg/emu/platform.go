package emu

import "do86/pkg/display"

// screenDevice is the display adapter as the machine uses it.
type screenDevice interface {
	Render(f *display.Frame) (*display.Frame, *display.TileSet, *display.TextScreen)
}

// wirePlatform adds the devices still being written: power management,
// sysctl ports, UART, debug console, VGA.
func (m *Machine) wirePlatform() error { return nil }

// SendSerial queues bytes for the guest's COM1 receiver.
func (m *Machine) SendSerial(b []byte) {}
