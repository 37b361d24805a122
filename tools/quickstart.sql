-- tools/quickstart.sql - the queries tools/quickstart runs against the emulator's
-- sample CRM data, one statement per line (isql reads one line per statement).
SELECT name, address1_city, revenue FROM account WHERE revenue > 1000000 ORDER BY revenue DESC LIMIT 5
SELECT o.name AS opportunity, a.name AS account, o.estimatedvalue FROM opportunity o JOIN account a ON o.parentaccountid = a.accountid ORDER BY o.estimatedvalue DESC LIMIT 5
SELECT COALESCE(industrycodename, '(none)') AS industry, COUNT(*) AS accounts, ROUND(AVG(revenue), 2) AS avg_revenue FROM account GROUP BY industrycodename ORDER BY accounts DESC, industry LIMIT 8
