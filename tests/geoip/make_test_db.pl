#!/usr/bin/perl
# Writes a small MaxMind DB for the tests, so they need nothing from
# outside: an IPv4 city record, an IPv4 country-only record and an IPv6
# record, in documentation address ranges.
#
#   perl tests/geoip/make_test_db.pl OUT.mmdb [CITY] [--loopback]
#
# CITY (default London) names the city of 203.0.113.0/24, so a reload test
# can tell two databases apart.  --loopback places 127.0.0.0/8 there too,
# for the bench, whose every client is 127.0.0.1.

use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb [CITY]\n";
my $city = shift @ARGV // 'London';
my $loopback = @ARGV && $ARGV[0] eq '--loopback';

my %types = (
    city         => 'map',
    country      => 'map',
    subdivisions => ['array', 'map'],
    names        => 'map',
    en           => 'utf8_string',
    iso_code     => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 24,
    remove_reserved_networks => 0,   # the test ranges are reserved ones
    alias_ipv6_to_ipv4    => 1,
    database_type         => 'lead-Test-City',
    languages             => ['en'],
    description           => { en => 'lead test database' },
    map_key_type_callback => sub { $types{ $_[0] } },
);

my %london = (
    country      => { iso_code => 'GB', names => { en => 'United Kingdom' } },
    subdivisions => [ { iso_code => 'ENG', names => { en => 'England' } } ],
    city         => { names => { en => $city } },
);
$tree->insert_network('203.0.113.0/24', {%london});
$tree->insert_network('127.0.0.0/8', {%london}) if $loopback;

$tree->insert_network('198.51.100.0/24', {
    country => { iso_code => 'SE', names => { en => 'Sweden' } },
});

$tree->insert_network('2001:db8::/32', {
    country => { iso_code => 'JP', names => { en => 'Japan' } },
    city    => { names => { en => 'Tokyo' } },
});

open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
