package main

import (
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/hotline/hotlinedb"
	"github.com/residenthub/residenthub/places"
)

// newHotlineSnapshots builds the hotline ranking's precomputed counts from
// the config's hotline section, the district's community names and the
// public street names, reading over the API's pool: the API answers from
// them, and the api role keeps them fresh (Snapshots.Run).
func newHotlineSnapshots(cfg *config.Config, conn driver.Conn, names *places.Names) (*hotlinedb.Snapshots, error) {
	settings, err := cfg.Hotline.Settings()
	if err != nil {
		return nil, err
	}
	res, err := settings.Resolver(cfg.Places.Names, func(code9 string) string { return names.Place(code9).Street })
	if err != nil {
		return nil, err
	}
	r, err := hotlinedb.NewReader(conn, cfg.ClickHouse.Database, settings, res)
	if err != nil {
		return nil, err
	}
	return hotlinedb.NewSnapshots(r, hotline.Fingerprint(settings, res), settings.Refresh)
}
