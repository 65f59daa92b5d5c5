package usb

import (
	"encoding/binary"
	"unicode/utf16"
)

// DeviceDescriptor is the standard device descriptor (USB 2.0 table 9-8).
type DeviceDescriptor struct {
	USB               uint16 // bcdUSB, e.g. 0x0110
	Class             uint8  // bDeviceClass (0: per interface)
	SubClass          uint8
	Protocol          uint8
	MaxPacketSize0    uint8 // 8, 16, 32 or 64 at full speed
	Vendor, Product   uint16
	Release           uint16 // bcdDevice
	Manufacturer      uint8  // string indexes (0: none)
	ProductString     uint8
	SerialNumber      uint8
	NumConfigurations uint8
}

// Bytes encodes the descriptor (18 bytes).
func (d DeviceDescriptor) Bytes() []byte {
	b := make([]byte, 18)
	b[0], b[1] = 18, DescriptorDevice
	binary.LittleEndian.PutUint16(b[2:], d.USB)
	b[4], b[5], b[6], b[7] = d.Class, d.SubClass, d.Protocol, d.MaxPacketSize0
	binary.LittleEndian.PutUint16(b[8:], d.Vendor)
	binary.LittleEndian.PutUint16(b[10:], d.Product)
	binary.LittleEndian.PutUint16(b[12:], d.Release)
	b[14], b[15], b[16], b[17] = d.Manufacturer, d.ProductString, d.SerialNumber, d.NumConfigurations
	return b
}

// ConfigurationDescriptor is the standard configuration descriptor (USB 2.0
// table 9-10); Configuration.Bytes appends the descriptors that follow it.
type ConfigurationDescriptor struct {
	NumInterfaces uint8
	Value         uint8 // bConfigurationValue: what SET_CONFIGURATION selects
	String        uint8 // iConfiguration
	Attributes    uint8 // bmAttributes: 0x80 | self-powered 0x40 | remote wakeup 0x20
	MaxPower      uint8 // in 2 mA units
}

// Configuration attributes.
const (
	ConfigReserved     = 0x80 // always set (USB 1.0 bus-powered)
	ConfigSelfPowered  = 0x40
	ConfigRemoteWakeup = 0x20
)

// Bytes encodes the configuration descriptor followed by rest (its
// interface, class and endpoint descriptors), with wTotalLength counting
// them all: what GET_DESCRIPTOR(CONFIGURATION) returns.
func (c ConfigurationDescriptor) Bytes(rest ...[]byte) []byte {
	b := []byte{9, DescriptorConfiguration, 0, 0, c.NumInterfaces, c.Value, c.String, c.Attributes, c.MaxPower}
	for _, r := range rest {
		b = append(b, r...)
	}
	binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// InterfaceDescriptor is the standard interface descriptor (USB 2.0 table
// 9-12).
type InterfaceDescriptor struct {
	Number, AlternateSetting, NumEndpoints uint8
	Class, SubClass, Protocol              uint8
	String                                 uint8
}

// Bytes encodes the descriptor (9 bytes).
func (i InterfaceDescriptor) Bytes() []byte {
	return []byte{9, DescriptorInterface, i.Number, i.AlternateSetting, i.NumEndpoints,
		i.Class, i.SubClass, i.Protocol, i.String}
}

// Endpoint transfer types (bmAttributes bits 1:0).
const (
	TransferControl     = 0
	TransferIsochronous = 1
	TransferBulk        = 2
	TransferInterrupt   = 3
)

// EndpointDescriptor is the standard endpoint descriptor (USB 2.0 table
// 9-13).
type EndpointDescriptor struct {
	Address       uint8 // bEndpointAddress: number, 0x80 for IN
	Attributes    uint8 // transfer type
	MaxPacketSize uint16
	Interval      uint8 // frames between polls (interrupt, full speed)
}

// Bytes encodes the descriptor (7 bytes).
func (e EndpointDescriptor) Bytes() []byte {
	b := []byte{7, DescriptorEndpoint, e.Address, e.Attributes, 0, 0, e.Interval}
	binary.LittleEndian.PutUint16(b[4:], e.MaxPacketSize)
	return b
}

// LangIDEnglishUS is the language ID of US English (string descriptor 0).
const LangIDEnglishUS = 0x0409

// StringDescriptor encodes s as a string descriptor (USB 2.0 §9.6.7):
// UTF-16LE, cut to the 126 code units a descriptor holds.
func StringDescriptor(s string) []byte {
	u := utf16.Encode([]rune(s))
	if len(u) > 126 {
		u = u[:126]
	}
	b := make([]byte, 2+2*len(u))
	b[0], b[1] = byte(len(b)), DescriptorString
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2+2*i:], c)
	}
	return b
}

// LangIDs encodes string descriptor 0: the languages the device's strings
// are in.
func LangIDs(ids ...uint16) []byte {
	b := make([]byte, 2+2*len(ids))
	b[0], b[1] = byte(len(b)), DescriptorString
	for i, id := range ids {
		binary.LittleEndian.PutUint16(b[2+2*i:], id)
	}
	return b
}
