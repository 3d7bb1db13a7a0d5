SELECT l.gatewayName, 'egress' AS direction, r.value ->> 'id' AS natRule, count(*) AS links
FROM vpn_link_connections AS l, json_each(l.egressNatRules) AS r
GROUP BY 1, 3
UNION ALL
SELECT l.gatewayName, 'ingress', r.value ->> 'id', count(*)
FROM vpn_link_connections AS l, json_each(l.ingressNatRules) AS r
GROUP BY 1, 3
ORDER BY links DESC, natRule
