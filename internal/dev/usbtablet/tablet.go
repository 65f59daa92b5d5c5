// Package usbtablet is a USB HID tablet: a full-speed USB device with one
// HID interface whose interrupt IN endpoint reports an absolute pointer —
// X and Y from 0 to 32767 across the screen, five buttons and a wheel —
// written from the USB 2.0 specification (chapter 9) and the Device Class
// Definition for HID 1.11 with its usage tables. It is what lets a guest's
// pointer land exactly where the host's points, where a PS/2 mouse can
// only report motion.
//
// Just enough for the HID drivers of guests (report protocol, one input
// report without a report ID): GET_REPORT, GET/SET_IDLE and
// GET/SET_PROTOCOL are answered, but the device reports only on change
// whatever the idle rate (a host that asks for repeats gets none) and in
// the same format under the boot protocol (a tablet is no boot device);
// there are no output or feature reports and no remote wakeup signalling.
package usbtablet

import "github.com/do86/do86/internal/usb"

// Coordinate range of the X and Y fields (the report descriptor's logical
// minimum and maximum).
const (
	MinCoord = 0
	MaxCoord = 32767
)

// Identity and shape of the device.
const (
	// VendorID and ProductID are the pid.codes open-source vendor's test
	// IDs: do86 has no IDs of its own, and no guest needs a particular
	// pair (HID devices bind by class).
	VendorID  = 0x1209
	ProductID = 0x0001
	// MaxPacket0 is endpoint 0's packet size: 8, the size every host
	// copes with before it has read the device descriptor.
	MaxPacket0 = 8
	// ReportSize is the length of an input report.
	ReportSize = 6
	// Interval is the interrupt endpoint's polling interval in frames (ms).
	Interval = 10
	// EndpointIn is the interrupt IN endpoint's address.
	EndpointIn = 0x81
)

// HID class codes and requests (HID 1.11 §4, §7.1, §7.2).
const (
	ClassHID         = 3
	DescriptorHID    = 0x21
	DescriptorReport = 0x22

	RequestGetReport   = 0x01
	RequestGetIdle     = 0x02
	RequestGetProtocol = 0x03
	RequestSetReport   = 0x09
	RequestSetIdle     = 0x0A
	RequestSetProtocol = 0x0B

	// ReportTypeInput is the report type (wValue's high byte) of GET_REPORT
	// for an input report.
	ReportTypeInput = 1
	// ProtocolBoot and ProtocolReport are SET_PROTOCOL's values.
	ProtocolBoot   = 0
	ProtocolReport = 1
)

// ReportDescriptor describes the input report (HID 1.11 §6.2.2, usages from
// the HID Usage Tables): a pointer in a mouse application collection with
// buttons 1–5 (one bit each, then three bits of padding), X and Y as 16-bit
// absolute values from 0 to 32767, and the wheel as a signed 8-bit relative
// value (positive: away from the user).
var ReportDescriptor = []byte{
	0x05, 0x01, // Usage Page (Generic Desktop)
	0x09, 0x02, // Usage (Mouse)
	0xA1, 0x01, // Collection (Application)
	0x09, 0x01, //   Usage (Pointer)
	0xA1, 0x00, //   Collection (Physical)
	0x05, 0x09, //     Usage Page (Button)
	0x19, 0x01, //     Usage Minimum (1)
	0x29, 0x05, //     Usage Maximum (5)
	0x15, 0x00, //     Logical Minimum (0)
	0x25, 0x01, //     Logical Maximum (1)
	0x95, 0x05, //     Report Count (5)
	0x75, 0x01, //     Report Size (1)
	0x81, 0x02, //     Input (Data, Variable, Absolute)
	0x95, 0x01, //     Report Count (1)
	0x75, 0x03, //     Report Size (3)
	0x81, 0x03, //     Input (Constant, Variable, Absolute): padding
	0x05, 0x01, //     Usage Page (Generic Desktop)
	0x09, 0x30, //     Usage (X)
	0x09, 0x31, //     Usage (Y)
	0x15, 0x00, //     Logical Minimum (0)
	0x26, 0xFF, 0x7F, // Logical Maximum (32767)
	0x35, 0x00, //     Physical Minimum (0)
	0x46, 0xFF, 0x7F, // Physical Maximum (32767)
	0x75, 0x10, //     Report Size (16)
	0x95, 0x02, //     Report Count (2)
	0x81, 0x02, //     Input (Data, Variable, Absolute)
	0x09, 0x38, //     Usage (Wheel)
	0x15, 0x81, //     Logical Minimum (-127)
	0x25, 0x7F, //     Logical Maximum (127)
	0x35, 0x00, //     Physical Minimum (0)
	0x45, 0x00, //     Physical Maximum (0): none
	0x75, 0x08, //     Report Size (8)
	0x95, 0x01, //     Report Count (1)
	0x81, 0x06, //     Input (Data, Variable, Relative)
	0xC0, //   End Collection
	0xC0, // End Collection
}

// hidDescriptor is the HID descriptor (HID 1.11 §6.2.1): HID 1.11, no
// country, one report descriptor.
func hidDescriptor() []byte {
	n := len(ReportDescriptor)
	return []byte{9, DescriptorHID, 0x11, 0x01, 0, 1, DescriptorReport, byte(n), byte(n >> 8)}
}

// descriptors are the tablet's standard descriptors.
var descriptors = usb.Descriptors{
	Device: usb.DeviceDescriptor{
		USB: 0x0110, MaxPacketSize0: MaxPacket0,
		Vendor: VendorID, Product: ProductID, Release: 0x0100,
		Manufacturer: 1, ProductString: 2, SerialNumber: 3, NumConfigurations: 1,
	}.Bytes(),
	Configuration: usb.ConfigurationDescriptor{
		NumInterfaces: 1, Value: 1,
		Attributes: usb.ConfigReserved | usb.ConfigRemoteWakeup, MaxPower: 50,
	}.Bytes(
		usb.InterfaceDescriptor{NumEndpoints: 1, Class: ClassHID}.Bytes(),
		hidDescriptor(),
		usb.EndpointDescriptor{Address: EndpointIn, Attributes: usb.TransferInterrupt,
			MaxPacketSize: 8, Interval: Interval}.Bytes(),
	),
	Strings: [][]byte{
		usb.LangIDs(usb.LangIDEnglishUS),
		usb.StringDescriptor("do86"),
		usb.StringDescriptor("do86 USB tablet"),
		usb.StringDescriptor("1"),
	},
	Endpoints: []uint8{EndpointIn},
}
