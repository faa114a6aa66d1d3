package config

import "github.com/residenthub/residenthub/hotline"

// Hotline is the 12345 hotline ranking's section (hotline:): the case
// window, the category → problem kind mapping over the default table, the
// committees and the kinds each answers for, the area/address → community
// mapping and the public summary's suppression threshold
// (hotline.Config documents each key).
type Hotline = hotline.Config

func (c *Config) validateHotline() error { return c.Hotline.Validate() }
