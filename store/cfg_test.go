package store_test

import "github.com/residenthub/residenthub/config"

func schemaCfg() config.ClickHouse {
	return config.ClickHouse{Database: "hub", AnalyticsDatabase: "an", PseudonymSalt: "s"}
}
