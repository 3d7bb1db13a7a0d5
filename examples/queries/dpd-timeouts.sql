SELECT _raw ->> '$.properties.dpdTimeoutSeconds' AS dpdTimeoutSeconds, count(*) AS links
FROM vpn_link_connections
GROUP BY 1
ORDER BY 1
