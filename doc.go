// Package analytics turns raw WhatsApp Business activity into metrics.
package analytics
