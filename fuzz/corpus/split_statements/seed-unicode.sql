select 'héllo ☃', "ünï";
select ☃ from €;
 -- ✓ done
