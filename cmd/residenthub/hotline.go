package main

import (
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/hotline/hotlinedb"
	"github.com/residenthub/residenthub/places"
)

// newHotlineReader builds the hotline ranking's reader from the config's
// hotline section, the district's community names and the public street
// names, reading over the API's pool.
func newHotlineReader(cfg *config.Config, conn driver.Conn, names *places.Names) (*hotlinedb.Reader, error) {
	settings, err := cfg.Hotline.Settings()
	if err != nil {
		return nil, err
	}
	res, err := settings.Resolver(cfg.Places.Names, func(code9 string) string { return names.Place(code9).Street })
	if err != nil {
		return nil, err
	}
	return hotlinedb.NewReader(conn, cfg.ClickHouse.Database, settings, res)
}
