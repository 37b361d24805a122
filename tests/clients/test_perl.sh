#!/bin/bash
# tests/clients/test_perl.sh - Perl DBI + DBD::ODBC (Debian's libdbd-odbc-perl)
# through unixODBC: prepared statement with a placeholder, fetch, column
# names and types, table_info, and an error with its SQLSTATE.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 20 --seed 1
write_ini
perl - <<'PL'
use strict;
use warnings;
use DBI;
my ($n, $failed) = (0, 0);
sub is_ { my ($got, $want, $name) = @_; $n++;
	if (defined $got && $got eq $want) { print "ok $n - $name\n" }
	else { $failed++; print "not ok $n - $name\n#   got:  ", (defined $got ? $got : 'undef'), "\n#   want: $want\n" } }
my $dbh = DBI->connect("dbi:ODBC:dvtest", "", "", {RaiseError => 1, PrintError => 0});
my $sth = $dbh->prepare("SELECT accountnumber, name FROM account WHERE name LIKE ? ORDER BY name");
$sth->execute("Alpine%");
my @rows;
while (my $r = $sth->fetchrow_arrayref) { push @rows, join("|", map { $_ // "NULL" } @$r) }
is_(join(";", @rows), "A-000001|Alpine Ski GmbH 1;A-000005|Alpine Ski Pty Ltd 5", "placeholder query rows");
is_(join(",", @{$sth->{NAME}}), "accountnumber,name", "column names");
is_(join(",", @{$sth->{TYPE}}), "-9,-9", "column types are SQL_WVARCHAR");
my $ti = $dbh->table_info(undef, undef, "contact", "TABLE");
my $t = $ti->fetchrow_hashref;
is_($t->{TABLE_NAME}, "contact", "table_info finds contact");
is_($t->{REMARKS}, "Contact", "table_info REMARKS is the display name");
my ($count) = $dbh->selectrow_array("SELECT count(*) FROM account WHERE statecode = 1");
is_($count, 3, "count of inactive accounts");
eval { $dbh->do("SELECT nosuch FROM account") };
is_($dbh->state, "42S22", "unknown column -> 42S22");
$dbh->disconnect;
print "1..$n\n";
exit($failed ? 1 : 0);
PL
