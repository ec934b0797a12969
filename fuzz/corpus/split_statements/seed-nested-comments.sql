/* outer /* inner ; */ still ; */ select 1; -- trailing ; comment
select /* x */ 2
