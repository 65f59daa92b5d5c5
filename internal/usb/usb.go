// Package usb is the USB protocol as a host controller and the devices
// behind it share it, written from the USB 2.0 specification (chapters 8
// and 9): packet identifiers and handshakes, Device, the contract between a
// host controller's root hub and a device, the SETUP packet and the
// standard requests, descriptor encodings, ControlPipe (a default control
// endpoint running the setup, data and status stages of control transfers)
// and Standard (the answers to the standard device requests that every
// device gives alike).
//
// Just enough for full-speed devices behind a USB 1.1 host controller: a
// device answers one transaction at a time and at once (no split
// transactions, no high speed); data toggles are the host controller's
// business and are not checked; isochronous endpoints, alternate settings
// and SET_DESCRIPTOR are not offered.
package usb

// PID is a token packet identifier (USB 2.0 table 8-1), as a host
// controller's transfer descriptors carry it.
type PID uint8

// Token PIDs.
const (
	PIDOut   PID = 0xE1
	PIDIn    PID = 0x69
	PIDSetup PID = 0x2D
)

// String names the PID.
func (p PID) String() string {
	switch p {
	case PIDOut:
		return "OUT"
	case PIDIn:
		return "IN"
	case PIDSetup:
		return "SETUP"
	}
	return "PID?"
}

// Handshake is a device's answer to a transaction (USB 2.0 §8.4.5).
type Handshake uint8

// Handshakes. ACK also stands for the data packet of a successful IN.
const (
	// ACK: the transaction succeeded.
	ACK Handshake = iota
	// NAK: the device cannot take or give data now; the host retries later.
	NAK
	// STALL: the endpoint is halted or the request is not supported.
	STALL
)

// String names the handshake.
func (h Handshake) String() string {
	switch h {
	case ACK:
		return "ACK"
	case NAK:
		return "NAK"
	case STALL:
		return "STALL"
	}
	return "handshake?"
}

// Device is a USB device as a root hub port sees it: it answers the
// transactions addressed to it, one at a time, at once. Every method is
// called on the goroutine that owns the machine.
type Device interface {
	// Connect tells the device it is plugged into a port. wake is the
	// host's to call whenever an endpoint that answered NAK may now answer
	// otherwise (new input to report), so that a host controller that
	// sleeps while every transaction would be NAKed looks again.
	Connect(wake func())
	// Reset is reset signalling on the device's port (USB 2.0 §7.1.7.5):
	// the device returns to the Default state, address 0, unconfigured.
	Reset()
	// Address is the device's address: 0 until SET_ADDRESS completes.
	Address() uint8
	// Transact is one transaction with endpoint ep (0–15). For SETUP and
	// OUT, data is the packet the host sends. For IN, data has room for
	// the largest packet the host accepts: the device writes its packet
	// there and returns its length, which may exceed len(data) when the
	// device's packet is longer than the host allows (babble; only
	// len(data) bytes were written).
	Transact(pid PID, ep uint8, data []byte) (n int, h Handshake)
	// NAKs reports whether a transaction of pid to ep would be answered
	// NAK now, without doing it or changing anything: a host controller
	// asks to know which frames would change nothing.
	NAKs(pid PID, ep uint8) bool
}

// RemoteWaker is implemented by devices that signal remote wakeup (USB 2.0
// §7.1.7.7): while their port is suspended, news (Device.Connect's wake)
// resumes the bus when the host enabled the DEVICE_REMOTE_WAKEUP feature.
type RemoteWaker interface {
	RemoteWakeupEnabled() bool
}
