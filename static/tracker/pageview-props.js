/* option pageview-props: the script tag's event-KEY="value" attributes are props of every event it sends */
var pp={};S.getAttributeNames().forEach(function(a){a.indexOf('event-')||(pp[a.slice(6)]=A(a))});
var pps=send;send=function(b,x){var k,p;
if(b.name!='engagement'){p=b.n?(b.p=b.p||{}):(b.props=b.props||{});for(k in pp)k in p||(p[k]=pp[k])}
return pps(b,x)};
